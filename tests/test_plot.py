"""Chinese labels render: a CJK font is found and no glyph is missing."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from landkit.plot import _nice_length, add_north_arrow, add_scale_bar, use_cjk_font


def test_cjk_font_renders_without_missing_glyphs(tmp_path):
    family = use_cjk_font()
    assert "CJK" in family or "Hei" in family or "SC" in family
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title("探沂镇 土地利用现状图 水田 旱地 永久基本农田 祊河")
        ax.set_xlim(600000, 610000)
        ax.set_ylim(3890000, 3900000)
        add_scale_bar(ax)
        add_north_arrow(ax)
        fig.savefig(tmp_path / "t.png")
        plt.close(fig)
    glyph = [w for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    assert glyph == [], [str(w.message) for w in glyph]


def test_scale_bar_length_is_round():
    assert _nice_length(2345.0) == 2000.0
    assert _nice_length(780.0) == 500.0
    assert _nice_length(1000.0) == 1000.0
