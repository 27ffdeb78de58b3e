/*
 * loopmap topic map layers: hotspots, note heat, ranked merchants, a search box, a time
 * slider, district outlines and a legend, drawn from one JSON data block.
 *
 * With data.api set (a page served by the web app) the heat and the merchants are reloaded
 * from the API for the viewport and zoom whenever the map moves; popups fetch their notes.
 * Every piece of user text is written with textContent: nothing here parses HTML.
 */
window.loopmapTopicLayers = function (map, data, layers) {
  "use strict";
  var api = data.api || null;
  var heatLayer = layers.heat;
  var hotspotLayer = layers.hotspots;
  var merchantLayer = layers.merchants;
  var districtLayer = layers.districts || L.layerGroup();
  var heatRenderer = L.canvas({padding: 0.3});
  var state = {since: api ? api.since : null, until: api ? api.until : null, query: ""};
  var exported = {map: map, merchants: [], hotspots: data.hotspots.length, heatCells: 0,
                  notes: null, loads: 0, errors: 0, districts: 0};
  window.loopmapTopicMap = exported;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== null && text !== undefined) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function query(params) {
    return Object.keys(params).filter(function (k) {
      return params[k] !== null && params[k] !== undefined && params[k] !== "";
    }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }
  function withBase(extra) {
    var p = {};
    Object.keys(api.params).forEach(function (k) { p[k] = api.params[k]; });
    Object.keys(extra).forEach(function (k) { p[k] = extra[k]; });
    return p;
  }
  var pending = {};
  function getJSON(name, url, done) {
    if (pending[name] && typeof pending[name].abort === "function") { pending[name].abort(); }
    var ctl = (typeof AbortController === "function") ? new AbortController() : null;
    pending[name] = ctl;
    fetch(url, {credentials: "same-origin", signal: ctl ? ctl.signal : undefined})
      .then(function (r) {
        if (!r.ok) { throw new Error(name + ": HTTP " + r.status); }
        return r.json();
      })
      .then(function (body) { exported.loads += 1; done(body); })
      .catch(function (err) {
        if (err && err.name === "AbortError") { return; }
        exported.errors += 1;
        if (window.console) { console.warn("loopmap", String(err)); }
      });
  }
  function fill(template, n, m) {
    // replacer functions: a "$&" or "$`" in a name is text, not a replacement pattern
    return template.replace("{n}", function () { return String(n); })
      .replace("{m}", function () { return String(m); });
  }
  function notesLabel(n) { return fill(n === 1 ? data.words.note : data.words.notes, n); }
  function drawHeat(cells) {
    heatLayer.clearLayers();
    cells.forEach(function (c) {
      L.rectangle([[c[0], c[1]], [c[2], c[3]]], {
        stroke: false, fillColor: data.heatColor, fillOpacity: c[5], renderer: heatRenderer
      }).bindTooltip(el("span", notesLabel(c[4]))).addTo(heatLayer);
    });
    exported.heatCells = cells.length;
  }
  drawHeat(data.heat);
  data.hotspots.forEach(function (h) {
    var poly = L.polygon(h.rings, {color: data.hotspotColor, weight: 2, fillOpacity: 0.15});
    var label = el("span", h.name + " · " + notesLabel(h.n_notes), "lm-label");
    poly.bindTooltip(label, {permanent: data.permanentLabels, direction: "top", sticky: false});
    poly.addTo(hotspotLayer);
  });
  // MarkerCluster needs the map's maxZoom, which otherwise only a tile layer sets
  if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(data.maxZoom); }
  var group = (typeof L.markerClusterGroup === "function")
    ? L.markerClusterGroup({disableClusteringAtZoom: 16, showCoverageOnHover: false})
    : L.featureGroup();
  group.addTo(merchantLayer);
  var byId = Object.create(null);  // ids are user data: no prototype to collide with
  function matches(entry) { return !state.query || entry.key.indexOf(state.query) !== -1; }
  function fillNotes(box, texts) {
    if (!texts.length) { return; }
    var list = el("ul");
    texts.forEach(function (t) { list.appendChild(el("li", t)); });
    box.appendChild(list);
  }
  function loadNotes(entry, box) {
    entry.notesLoaded = true;
    var url = api.notes + "?" + query(withBase({place: entry.m.id, limit: 3,
                                                since: state.since, until: state.until}));
    getJSON("notes", url, function (body) {
      fillNotes(box, body.features.map(function (f) { return f.properties.title; }));
      entry.marker.getPopup().update();
    });
  }
  function addMerchant(m) {
    var entry = byId[m.id];
    if (entry) { return entry; }
    var badge = el("span", m.rank === null ? "·" : m.rank);
    badge.style.background = m.color;
    var icon = L.divIcon({className: "lm-rank", html: badge, iconSize: [28, 28],
                          iconAnchor: [14, 14], popupAnchor: [0, -12]});
    var marker = L.marker([m.lat, m.lon], {icon: icon, title: m.name, riseOnHover: true});
    var box = el("div", null, "lm-popup");
    var head = el("strong");
    if (api) {
      var link = el("a", m.name);
      link.href = api.merchantPage + encodeURIComponent(m.id) + api.pageQuery;
      head.appendChild(link);
    } else {
      head.textContent = m.name;
    }
    box.appendChild(head);
    var facts = (m.rank === null ? "" : "#" + m.rank + " · ") + notesLabel(m.n_notes);
    box.appendChild(el("div", facts));
    if (m.hotspot) { box.appendChild(el("div", fill(data.words.hotspot, m.hotspot))); }
    if (m.why) { box.appendChild(el("div", m.why)); }
    fillNotes(box, m.notes || []);
    marker.bindPopup(box, {maxWidth: 300});
    entry = {m: m, marker: marker, key: m.name.toLowerCase(), shown: false,
             notesLoaded: !api || (m.notes && m.notes.length > 0)};
    if (api) {
      marker.on("popupopen", function () { if (!entry.notesLoaded) { loadNotes(entry, box); } });
    }
    byId[m.id] = entry;
    if (matches(entry)) { group.addLayer(marker); entry.shown = true; }
    return entry;
  }
  var statusLine = null;
  function entries() { return Object.keys(byId).map(function (k) { return byId[k]; }); }
  function updateStatus() {
    var all = entries();
    var shown = all.filter(function (e) { return e.shown; }).length;
    exported.merchants = all;
    if (statusLine === null) { return; }
    var words = data.words;
    statusLine.textContent = state.query
      ? fill(api ? words.someInView : words.some, shown, all.length)
      : fill(api ? words.allInView : words.all, all.length);
  }
  function setMerchants(list) {
    var keep = Object.create(null);
    list.forEach(function (m) { keep[m.id] = true; addMerchant(m); });
    Object.keys(byId).forEach(function (id) {
      if (!keep[id]) { group.removeLayer(byId[id].marker); delete byId[id]; }
    });
    updateStatus();
  }
  setMerchants(data.merchants);
  function clampBounds() {
    var b = map.getBounds();
    var w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
    var s = Math.max(-90, b.getSouth()), n = Math.min(90, b.getNorth());
    if (w > e) { w = -180; e = 180; }
    return [w, s, e, n].map(function (v) { return v.toFixed(5); }).join(",");
  }
  function refreshHeat() {
    if (!api || !map.hasLayer(heatLayer)) { return; }
    var url = api.heat + "?" + query(withBase({bbox: clampBounds(), zoom: map.getZoom(),
                                               since: state.since, until: state.until}));
    getJSON("heat", url, function (body) {
      drawHeat(body.cells);
      exported.notes = body.notes;
      if (slider !== null) { slider.count(body.notes); }
    });
  }
  function refreshMerchants() {
    if (!api || !map.hasLayer(merchantLayer)) { return; }
    var url = api.merchants + "?" + query(withBase({bbox: clampBounds(), limit: api.viewLimit}));
    getJSON("merchants", url, function (body) { setMerchants(body.merchants); });
  }
  var timer = null;
  function refresh() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; refreshHeat(); refreshMerchants(); }, 120);
  }
  function reveal(entry) {
    if (typeof group.zoomToShowLayer === "function" && group.hasLayer(entry.marker)) {
      group.zoomToShowLayer(entry.marker, function () { entry.marker.openPopup(); });
    } else {
      map.flyTo(entry.marker.getLatLng(), Math.max(map.getZoom(), 16));
      entry.marker.openPopup();
    }
  }
  var search = L.control({position: "topleft"});
  search.onAdd = function () {
    var box = el("div", null, "lm-box lm-search");
    var input = el("input");
    input.type = "search";
    input.placeholder = data.searchPlaceholder;
    input.setAttribute("aria-label", data.searchPlaceholder);
    statusLine = el("div");
    box.appendChild(input);
    box.appendChild(statusLine);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    function filter(fly) {
      state.query = input.value.trim().toLowerCase();
      var first = null;
      entries().forEach(function (e) {
        var ok = matches(e);
        if (ok && !e.shown) { group.addLayer(e.marker); }
        if (!ok && e.shown) { group.removeLayer(e.marker); }
        e.shown = ok;
        if (ok && first === null) { first = e; }
      });
      updateStatus();
      if (state.query && first !== null && fly) {
        map.flyTo(first.marker.getLatLng(), Math.max(map.getZoom(), 16));
      }
      return first;
    }
    input.addEventListener("input", function () { filter(true); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || !input.value.trim()) { return; }
      var first = filter(false);
      if (first !== null) { reveal(first); return; }
      if (!api) { return; }
      var url = api.merchants + "?" + query(withBase({q: input.value.trim(), limit: 20}));
      getJSON("search", url, function (body) {
        if (!body.merchants.length) { statusLine.textContent = data.noMatch; return; }
        var found = addMerchant(body.merchants[0]);
        body.merchants.slice(1).forEach(addMerchant);
        updateStatus();
        map.flyTo(found.marker.getLatLng(), Math.max(map.getZoom(), 16));
        setTimeout(function () { found.marker.openPopup(); }, 600);
      });
    });
    updateStatus();
    return box;
  };
  var controls = data.controls !== false;
  if (controls) { search.addTo(map); }
  var slider = null;
  if (controls && api && api.days) {
    var DAY = 86400000;
    var first = Date.parse(api.days[0] + "T00:00:00Z");
    var span = Math.max(0, Math.round((Date.parse(api.days[1] + "T00:00:00Z") - first) / DAY));
    var dayOf = function (k) { return new Date(first + k * DAY).toISOString().slice(0, 10); };
    var offsetOf = function (d, dflt) {
      if (!d) { return dflt; }
      var k = Math.round((Date.parse(d + "T00:00:00Z") - first) / DAY);
      return Math.min(span, Math.max(0, k));
    };
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var box = el("div", null, "lm-box lm-time");
      box.appendChild(el("h4", data.timeTitle));
      var from = el("input"), to = el("input");
      [from, to].forEach(function (r) {
        r.type = "range"; r.min = "0"; r.max = String(span); r.step = "1";
      });
      from.value = String(offsetOf(state.since, 0));
      to.value = String(offsetOf(state.until, span));
      from.setAttribute("aria-label", data.timeFrom);
      to.setAttribute("aria-label", data.timeTo);
      var label = el("div"), count = el("div", "", "lm-count");
      var reset = el("button", data.timeAll);
      reset.type = "button";
      box.appendChild(from); box.appendChild(to); box.appendChild(label);
      box.appendChild(count); box.appendChild(reset);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      function read() {
        var a = parseInt(from.value, 10), b = parseInt(to.value, 10);
        if (a > b) { var t = a; a = b; b = t; }
        label.textContent = dayOf(a) + " – " + dayOf(b);
        state.since = a > 0 ? dayOf(a) : null;
        state.until = b < span ? dayOf(b) : null;
      }
      function changed() { read(); refreshHeat(); }
      [from, to].forEach(function (r) {
        r.addEventListener("input", read);
        r.addEventListener("change", changed);
      });
      reset.addEventListener("click", function () {
        from.value = "0"; to.value = String(span); changed();
      });
      read();
      slider = {from: from, to: to, count: function (n) { count.textContent = notesLabel(n); }};
      exported.slider = slider;
      return box;
    };
    control.addTo(map);
  }
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var box = el("div", null, "lm-box lm-legend");
    box.appendChild(el("h4", data.title));
    data.legend.forEach(function (row) {
      var line = el("div");
      var swatch = el("i");
      swatch.style.background = row[0];
      if (row[2]) { swatch.style.borderRadius = "0"; swatch.style.opacity = "0.6"; }
      line.appendChild(swatch);
      line.appendChild(document.createTextNode(row[1]));
      box.appendChild(line);
    });
    return box;
  };
  if (controls) { legend.addTo(map); }
  if (api) {
    getJSON("districts", api.districts + "?" + query({crs: api.params.crs}), function (body) {
      L.geoJSON(body, {
        style: {color: "#555", weight: 1.2, opacity: 0.8, fill: false, dashArray: "5 4"},
        interactive: false,
        attribution: String(body.attribution || "").replace(/[<>&"]/g, ""),
        onEachFeature: function (f, layer) {
          var label = el("span", f.properties.name, "lm-district");
          var at = L.latLng(f.properties.label_lat, f.properties.label_lon);
          L.tooltip({permanent: true, direction: "center", className: "lm-district-tip",
                     interactive: false}).setLatLng(at).setContent(label).addTo(districtLayer);
        }
      }).addTo(districtLayer);
      exported.districts = body.features.length;
    });
    var small = function () {
      var c = map.getContainer();
      if (map.getZoom() < data.districtLabelZoom) { L.DomUtil.addClass(c, "lm-small"); }
      else { L.DomUtil.removeClass(c, "lm-small"); }
    };
    map.on("zoomend", small);
    small();
    map.on("moveend", refresh);
    map.on("overlayadd", refresh);
    refresh();
  }
};
