"""Bar charts drawn on the server as inline SVG, for the impact dashboard.

Each chart is an image with a title that screen readers announce (role="img", <title>,
aria-labelledby); the same figures are in a table beside it, which is what a screen reader reads.
Colours and fonts come from classes in the board's stylesheet, so the strict content security
policy (no inline styles) holds. A hidden figure is drawn as a short hatched bar with the same
words as the table ("fewer than 8", "not shown"): its length says nothing about its size.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from board.suppression import Figure

LABEL_WIDTH = 230
BAR_SPACE = 300
VALUE_WIDTH = 110
ROW_HEIGHT = 28
BAR_HEIGHT = 18
HIDDEN_BAR = 24


@dataclass(frozen=True)
class Bar:
    label: str
    figure: Figure


def bar_chart(*, chart_id: str, title: str, bars: Sequence[Bar]) -> SafeString:
    """A horizontal bar chart of counts, one bar a row, scaled to the largest shown count."""
    largest = max((bar.figure.value for bar in bars if not bar.figure.suppressed), default=0)
    width = LABEL_WIDTH + BAR_SPACE + VALUE_WIDTH
    height = ROW_HEIGHT * len(bars) + 8
    rows = format_html_join(
        "", "{}", ((_row(n, bar, largest, chart_id),) for n, bar in enumerate(bars))
    )
    return format_html(
        '<svg class="impact-chart" role="img" aria-labelledby="{id}-title" '
        'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title>'
        "<defs>"
        '<pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<line class="impact-chart__hatch" x1="0" y1="0" x2="0" y2="6" stroke-width="2"/>'
        "</pattern>"
        "</defs>"
        "{rows}</svg>",
        id=chart_id,
        width=width,
        height=height,
        title=title,
        rows=rows,
    )


def _row(n: int, bar: Bar, largest: int, chart_id: str) -> SafeString:
    y = 4 + n * ROW_HEIGHT
    middle = y + ROW_HEIGHT / 2
    label = format_html(
        '<text class="impact-chart__label" x="{}" y="{}" text-anchor="end" '
        'dominant-baseline="middle">{}</text>',
        LABEL_WIDTH - 8,
        middle,
        bar.label,
    )
    figure = bar.figure
    top = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
    if figure.suppressed:
        length = HIDDEN_BAR
        drawn = format_html(
            '<rect class="impact-chart__hidden" x="{}" y="{}" width="{}" height="{}" '
            'fill="url(#{}-hatch)"/>',
            LABEL_WIDTH,
            top,
            length,
            BAR_HEIGHT,
            chart_id,
        )
    else:
        length = round(BAR_SPACE * figure.value / largest) if largest else 0
        drawn = format_html(
            '<rect class="impact-chart__bar" x="{}" y="{}" width="{}" height="{}"/>',
            LABEL_WIDTH,
            top,
            length,
            BAR_HEIGHT,
        )
    value = format_html(
        '<text class="impact-chart__value" x="{}" y="{}" dominant-baseline="middle">{}</text>',
        LABEL_WIDTH + length + 6,
        middle,
        str(figure),
    )
    return format_html("<g>{}{}{}</g>", label, drawn, value)
