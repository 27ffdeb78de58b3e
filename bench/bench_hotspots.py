"""Throughput of geo.hotspots.hotspots_from_points, in points per second, and its peak memory.

Builds a synthetic city of 30 x 30 km with a few dozen streets (300-600 m long, each with one
or two dominant topics and its shops as merchants), then spreads N points over 10 topics:
55 % notes geocoded to a shop (its exact point, as POI geocodes are), 25 % notes with a
device location scattered around a street (20 m across), 20 % noise anywhere in the city.
Each size runs in its own process so that peak RSS is that size's alone; the time is that of
hotspots_from_points only (not of making the data).

Run from the repository root::

    .venv/bin/python bench/bench_hotspots.py [--points 100000 1000000] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.hotspots import hotspots_from_points
from topics.categories import TOPICS

N_STREETS = 36
SHOPS_PER_STREET = 12
CENTRE_LON, CENTRE_LAT = 121.45, 31.22
M_PER_DEG_LAT = 111_195.0
M_PER_DEG_LON = M_PER_DEG_LAT * np.cos(np.radians(CENTRE_LAT))


def synthetic_city(n: int, seed: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """``n`` points (notes and merchants) and the places (roads, shops, districts)."""
    rng = np.random.default_rng(seed)
    # Streets: a start point, a direction and a length, in metres from the centre.
    start = rng.uniform(-15_000, 15_000, (N_STREETS, 2))
    angle = rng.uniform(0, np.pi, N_STREETS)
    length = rng.uniform(300, 600, N_STREETS)
    direction = np.column_stack([np.cos(angle), np.sin(angle)])
    topic_weights = rng.dirichlet(np.full(len(TOPICS), 0.3), N_STREETS)

    def to_lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return CENTRE_LON + xy[:, 0] / M_PER_DEG_LON, CENTRE_LAT + xy[:, 1] / M_PER_DEG_LAT

    # Shops along each street, each with the street's dominant topic.
    shop_street = np.repeat(np.arange(N_STREETS), SHOPS_PER_STREET)
    shop_t = rng.uniform(0, 1, len(shop_street))
    shop_xy = start[shop_street] + direction[shop_street] * (length[shop_street] * shop_t)[:, None]
    shop_topic = np.array([rng.choice(len(TOPICS), p=topic_weights[s]) for s in shop_street])
    shop_lon, shop_lat = to_lonlat(shop_xy)
    shop_ids = np.array([f"m{i:05d}" for i in range(len(shop_street))])
    road_ids = np.array([f"r{i:03d}" for i in range(N_STREETS)])
    mid_lon, mid_lat = to_lonlat(start + direction * (length / 2)[:, None])
    places = pd.concat(
        [
            pd.DataFrame(
                {
                    "place_id": ["d1"],
                    "name": ["Bench District"],
                    "kind": ["district"],
                    "city": ["Bench City"],
                    "parent_id": [""],
                    "lat": [CENTRE_LAT],
                    "lon": [CENTRE_LON],
                }
            ),
            pd.DataFrame(
                {
                    "place_id": road_ids,
                    "name": [f"Road {i}" for i in range(N_STREETS)],
                    "kind": "road",
                    "city": "Bench City",
                    "parent_id": "d1",
                    "lat": mid_lat,
                    "lon": mid_lon,
                }
            ),
            pd.DataFrame(
                {
                    "place_id": shop_ids,
                    "name": shop_ids,
                    "kind": "merchant",
                    "city": "Bench City",
                    "parent_id": road_ids[shop_street],
                    "lat": shop_lat,
                    "lon": shop_lon,
                }
            ),
        ],
        ignore_index=True,
    )
    n_notes = n - len(shop_ids)
    n_poi, n_device = int(n_notes * 0.55), int(n_notes * 0.25)
    n_noise = n_notes - n_poi - n_device
    # Notes geocoded to a shop: its exact point and topic.
    poi_shop = rng.integers(0, len(shop_ids), n_poi)
    # Notes with a device location near a street.
    dev_street = rng.integers(0, N_STREETS, n_device)
    along = (length[dev_street] * rng.uniform(0, 1, n_device))[:, None] * direction[dev_street]
    across = rng.normal(0, 20, (n_device, 2))
    dev_lon, dev_lat = to_lonlat(start[dev_street] + along + across)
    dev_topic = np.array(
        [rng.choice(len(TOPICS), p=topic_weights[s]) for s in dev_street[: min(n_device, 5000)]]
    )
    dev_topic = np.resize(dev_topic, n_device) if n_device else dev_topic
    noise_lon, noise_lat = to_lonlat(rng.uniform(-16_000, 16_000, (n_noise, 2)))
    topics = np.array(TOPICS)
    frame = pd.DataFrame(
        {
            "id": np.concatenate([shop_ids, [f"n{i:08d}" for i in range(n_notes)]]),
            "kind": ["merchant"] * len(shop_ids) + ["note"] * n_notes,
            "place_id": np.concatenate(
                [shop_ids, shop_ids[poi_shop], np.full(n_device + n_noise, "")]
            ),
            "topic": np.concatenate(
                [
                    topics[shop_topic],
                    topics[shop_topic[poi_shop]],
                    topics[dev_topic],
                    topics[rng.integers(0, len(TOPICS), n_noise)],
                ]
            ),
        }
    )
    lon = np.concatenate([shop_lon, shop_lon[poi_shop], dev_lon, noise_lon])
    lat = np.concatenate([shop_lat, shop_lat[poi_shop], dev_lat, noise_lat])
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    return points, places


def run_one(n: int, seed: int) -> dict[str, float]:
    points, places = synthetic_city(n, seed)
    started = time.perf_counter()
    hotspots = hotspots_from_points(points, places)
    seconds = time.perf_counter() - started
    # A second build with the first as `previous` (the id-matching path).
    started = time.perf_counter()
    again = hotspots_from_points(points, places, previous=hotspots)
    seconds_again = time.perf_counter() - started
    kept = len(set(again["hotspot_id"]) & set(hotspots["hotspot_id"]))
    return {
        "points": n,
        "hotspots": len(hotspots),
        "seconds": seconds,
        "seconds_with_previous": seconds_again,
        "ids_kept": kept,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.seed)))
        return
    print(f"{len(TOPICS)} topics, {N_STREETS} streets, seed {args.seed}")
    for n in args.points:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['points']:>10,} points: {r['hotspots']:>4} hotspots in {r['seconds']:6.2f} s "
            f"= {r['points'] / r['seconds']:>9,.0f} points/s; with previous "
            f"{r['seconds_with_previous']:6.2f} s ({r['ids_kept']} ids kept); "
            f"peak RSS {r['peak_rss_mb']:,.0f} MB"
        )


if __name__ == "__main__":
    main()
