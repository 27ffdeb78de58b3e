"""Throughput of the geo.coords conversions, in conversions per second.

Converts 1,000,000 random WGS-84 points spread over the area where GCJ-02 applies (the worst
case: every point is tested against the area and offset) with each function, and prints the
best of a few runs, plus the largest round-trip error as a check.

Run from the repository root::

    .venv/bin/python bench/bench_coords.py [--points N] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import numpy as np

from geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

EARTH_RADIUS_M = 6_371_008.8


def points_in_china(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniformly random WGS-84 points inside :func:`geo.coords.in_china`."""
    rng = np.random.default_rng(seed)
    lons, lats, have = [], [], 0
    while have < n:
        lon = rng.uniform(73.0, 135.0, n)
        lat = rng.uniform(18.0, 54.0, n)
        inside = in_china(lon, lat)
        lons.append(lon[inside])
        lats.append(lat[inside])
        have += int(inside.sum())
    return np.concatenate(lons)[:n], np.concatenate(lats)[:n]


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` timed runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray):
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="points per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per function (best kept)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)

    lon, lat = points_in_china(args.points, args.seed)
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    mixed = np.array(["wgs84", "gcj02", "bd09"])[np.arange(args.points) % 3]
    mixed_lon = np.choose(np.arange(args.points) % 3, [lon, gcj_lon, bd_lon])
    mixed_lat = np.choose(np.arange(args.points) % 3, [lat, gcj_lat, bd_lat])

    cases: list[tuple[str, Callable[[], object]]] = [
        ("in_china", lambda: in_china(lon, lat)),
        ("wgs84_to_gcj02 (forward)", lambda: wgs84_to_gcj02(lon, lat)),
        ("gcj02_to_wgs84 (inverse)", lambda: gcj02_to_wgs84(gcj_lon, gcj_lat)),
        ("gcj02_to_bd09 (forward)", lambda: gcj02_to_bd09(gcj_lon, gcj_lat)),
        ("bd09_to_gcj02 (inverse)", lambda: bd09_to_gcj02(bd_lon, bd_lat)),
        ("wgs84_to_bd09 (forward)", lambda: wgs84_to_bd09(lon, lat)),
        ("bd09_to_wgs84 (inverse)", lambda: bd09_to_wgs84(bd_lon, bd_lat)),
        ("to_wgs84 (mixed rows)", lambda: to_wgs84(mixed_lon, mixed_lat, mixed)),
    ]
    print(f"{args.points:,} points in China, best of {args.repeat} runs")
    for name, run in cases:
        seconds = best_seconds(run, args.repeat)
        print(f"  {name:<26} {args.points / seconds:>13,.0f} conversions/s  {seconds:7.3f} s")

    gcj_error = haversine_m(lon, lat, *gcj02_to_wgs84(gcj_lon, gcj_lat)).max()
    bd_error = haversine_m(lon, lat, *bd09_to_wgs84(bd_lon, bd_lat)).max()
    print(f"  largest round-trip error: WGS-84/GCJ-02 {gcj_error * 1000:.3f} mm, ", end="")
    print(f"WGS-84/BD-09 {bd_error * 1000:.3f} mm")


if __name__ == "__main__":
    main()
