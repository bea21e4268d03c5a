"""Draw a grid boundary (GeoJSON Polygon/MultiPolygon, WGS84) as a small inline SVG."""
from __future__ import annotations

import math
from typing import Any

SIZE = 240


def _polygons(boundary: Any) -> list[list[list[list[float]]]]:
    if not isinstance(boundary, dict):
        return []
    geometry = boundary.get("geometry", boundary)
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon":
        return list(coords)
    return []


def boundary_svg(boundary: Any, size: int = SIZE) -> dict[str, Any] | None:
    """Return ``{"width", "height", "paths"}`` for the template, or None without a usable polygon."""
    try:
        polygons = _polygons(boundary)
        points = [(float(x), float(y)) for polygon in polygons for ring in polygon for x, y, *_rest in ring]
    except (TypeError, ValueError, AttributeError):
        return None
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    # Longitude degrees shrink with latitude; scale them so the shape is not stretched.
    kx = math.cos(math.radians((min(ys) + max(ys)) / 2)) or 1.0
    span_x, span_y = (max(xs) - min(xs)) * kx or 1e-9, (max(ys) - min(ys)) or 1e-9
    pad = 8
    scale = (size - 2 * pad) / max(span_x, span_y)
    width = round(span_x * scale + 2 * pad)
    height = round(span_y * scale + 2 * pad)

    def project(x: float, y: float) -> str:
        return f"{pad + (x - min(xs)) * kx * scale:.1f},{pad + (max(ys) - y) * scale:.1f}"

    paths = []
    for polygon in polygons:
        d = " ".join("M" + " L".join(project(float(pt[0]), float(pt[1])) for pt in ring) + " Z" for ring in polygon if ring)
        paths.append(d)
    return {"width": width, "height": height, "paths": paths}
