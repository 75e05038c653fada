"""Anti-aliased coverage integrates to the shapes' true areas, whatever region it is evaluated on."""
import numpy as np
import pytest

from crl.scenes import raster


def test_disc_coverage_sums_to_its_area():
    region = raster.full(64)
    alpha = raster.coverage(raster.disc_sdf(region, np.array([31.3, 20.0]), np.array([30.7, 40.0]), np.array([10.0, 5.5])))
    np.testing.assert_allclose(alpha.sum(axis=(1, 2)), np.pi * np.array([10.0, 5.5]) ** 2, rtol=0.01)


def test_rect_coverage_is_exact_area():
    alpha = raster.rect(raster.full(32), 10.3, 15.7, 4.2, 2.5)
    assert alpha.sum() == pytest.approx(8.4 * 5.0, rel=1e-5)


def test_turned_square_keeps_its_area():
    angles = np.array([0.0, 0.3, np.pi / 4])
    alpha = raster.coverage(raster.box_sdf(raster.full(64), 32.0, 32.0, 8.0, 8.0, angles))
    # clip(0.5 - distance) is exact for axis-aligned edges and trims corners a little when turned
    np.testing.assert_allclose(alpha.sum(axis=(1, 2)), 256.0, rtol=0.02)


def test_ellipse_area():
    alpha = raster.coverage(raster.ellipse_sdf(raster.full(64), 32.0, 32.0, 12.0, 6.0, 0.7))
    assert alpha.sum() == pytest.approx(np.pi * 72.0, rel=0.02)


def test_heart_area_is_square_plus_two_half_discs():
    side = 14.0
    alpha = raster.coverage(raster.heart_sdf(raster.full(64), 32.0, 32.0, side, 0.0))
    assert alpha.sum() == pytest.approx(side**2 + np.pi * (side / 2) ** 2, rel=0.02)


def test_windows_and_crops_match_the_full_image():
    cx, cy, angle = np.array([5.0, 40.2, 60.0]), np.array([58.0, 30.0, 3.0]), np.array([0.1, 1.0, 2.0])
    full = np.zeros((3, 3, 64, 64), np.float32)
    raster.paint(full, raster.full(64), raster.coverage(raster.heart_sdf(raster.full(64), cx, cy, 9.0, angle)), (1, 0.5, 0))
    for region in (raster.windows(64, cx, cy, 9.0), raster.around(64, cx, cy, 9.0)):
        part = np.zeros_like(full)
        raster.paint(part, region, raster.coverage(raster.heart_sdf(region, cx, cy, 9.0, angle)), (1, 0.5, 0))
        np.testing.assert_allclose(part, full, atol=1e-6)


def test_to_uint8_rounds_and_moves_channels_last():
    canvas = raster.canvas(2, np.full((16, 16, 3), (0.0, 0.5, 1.0), np.float32))
    images = raster.to_uint8(canvas)
    assert images.shape == (2, 16, 16, 3) and images.dtype == np.uint8
    assert tuple(images[1, 5, 5]) == (0, 128, 255)
