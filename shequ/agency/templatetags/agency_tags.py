"""Display helpers of the agency pages."""
from django import template

register = template.Library()


@register.filter
def percent(value):
    """0.756 -> "75.6%"; None (nothing to divide) -> "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
