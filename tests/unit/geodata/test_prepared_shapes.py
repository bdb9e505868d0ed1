"""Bulk point lookups: the sweep, the grid of columns and the tree give the same winner."""

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from geodata import index
from geodata.index import PreparedShapes


def _shapes() -> list[shapely.Geometry]:
    """Small squares sharing borders, big overlapping shapes over them, and an empty one."""
    squares = [box(x * 0.1, y * 0.1, (x + 1) * 0.1, (y + 1) * 0.1)
               for x in range(40) for y in range(30)]
    big = [box(0.35, 0.25, 2.05, 1.55), Polygon([(0, 0), (4, 0), (2, 3)]),
           box(-1, -1, 5, 4), box(1.0, 1.0, 1.2, 1.2)]
    return [*big[:2], *squares[:600], Polygon(), *big[2:], *squares[600:]]


def _points(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random points, square corners and mid-edges (on shared borders), and points outside."""
    lons, lats = rng.uniform(-1.5, 5.5, 3000), rng.uniform(-1.5, 4.5, 3000)
    grid = np.arange(0, 41) * 0.1
    corners = np.array([(x, y) for x in grid[::3] for y in grid[:31:3]])
    edges = np.array([(x + 0.05, y) for x in grid[:40:4] for y in grid[:31:2]])
    far = np.array([(-30.0, 10.0), (170.0, -80.0), (2.0, 89.5)])
    extra = np.concatenate([corners, edges, far])
    return np.concatenate([lons, extra[:, 0]]), np.concatenate([lats, extra[:, 1]])


def _brute_force(shapes: list[shapely.Geometry], keys: list[int], lons: np.ndarray,
                 lats: np.ndarray) -> np.ndarray:
    """Each point's last covering shape, in assignment order (the documented rule)."""
    result = np.zeros(len(lons), dtype=np.int64)
    for key, shape in zip(keys, shapes, strict=True):
        result[shapely.intersects_xy(shape, lons, lats)] = key
    return result


@pytest.mark.parametrize("sweep_max", [10**9, 0])
def test_the_sweep_and_the_grid_find_the_last_covering_shape(monkeypatch, sweep_max):
    shapes = _shapes()
    keys = [1000 + i for i in range(len(shapes))]
    lons, lats = _points(np.random.default_rng(7))
    expected = _brute_force(shapes, keys, lons, lats)
    monkeypatch.setattr(index, "SWEEP_MAX_SHAPES", sweep_max)

    found = PreparedShapes(keys, shapes).locate_many(lons, lats)

    assert (expected != 0).sum() > 2000 and (expected == 0).sum() > 100
    assert found.tolist() == expected.tolist()


def test_one_point_at_a_time_finds_the_same_winner_as_bulk():
    shapes = _shapes()
    keys = [1000 + i for i in range(len(shapes))]
    lons, lats = _points(np.random.default_rng(8))
    prepared = PreparedShapes(keys, shapes)

    one_by_one = [prepared.locate_one(x, y) for x, y in zip(lons.tolist(), lats.tolist(),
                                                            strict=True)]

    assert one_by_one == _brute_force(shapes, keys, lons, lats).tolist()


def test_the_grid_handles_points_all_in_one_column_and_outside_every_box():
    shapes = [box(x, 0, x + 1, 1) for x in range(1500)]
    prepared = PreparedShapes(list(range(1, 1501)), shapes)
    # Enough points for the grid (few points among many shapes would ask the tree instead).
    lons = np.tile([10.0, 10.0, 10.0, 10.5, -3.0, 2000.0], 20)
    lats = np.tile([0.0, 1.0, 0.5, 2.0, 0.5, 0.5], 20)

    # On the shared border x = 10 the later shape (key 11) wins, as in the sweep.
    assert prepared.locate_many(lons, lats).tolist() == [11, 11, 11, 0, 0, 0] * 20
