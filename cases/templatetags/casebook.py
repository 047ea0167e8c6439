import json

from django import template
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

from cases.filters import sorted_by_figure

register = template.Library()


@register.filter
def ld_json(value):
    """A JSON-LD data block; '<', '>' and '&' escaped so text can never close the element."""
    data = json.dumps(value, ensure_ascii=False).translate(_json_script_escapes)
    return mark_safe(f'<script type="application/ld+json">{data}</script>')


@register.simple_tag
def sort_figure(case, sort):
    """(label, value) of the figure the list is sorted by, or None (see cases.filters)."""
    return sorted_by_figure(case, sort)


@register.filter
def backlink_letter(index):
    """a, b, … z, then aa, ab, …: the letters a reference's back-links are known by."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters
