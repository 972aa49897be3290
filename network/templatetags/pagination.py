"""The design system's "previous and next" links, for lists read a page at a time.

Numbered lists (events, discussions) link to `?page=N`; the directory, which pages by name,
links to the members before its first and after its last card. Either way `query` (the list's
own search and filters, already encoded) is kept on the link.
"""

from typing import Any

from django import template

register = template.Library()


def _href(query: str, key: str, value: object) -> str:
    return f"?{query}&{key}={value}" if query else f"?{key}={value}"


def _read(page: Any, name: str) -> Any:
    """A page's fact, whether the page keeps it as a value or (as Django's Page) a method."""
    value = getattr(page, name)
    return value() if callable(value) else value


@register.inclusion_tag("includes/pagination.html")
def numbered_pages(page: Any, label: str, query: str = "") -> dict[str, Any]:
    """`page` is Django's Page, or a page that knows its total only where it costs no count."""
    paginator = getattr(page, "paginator", None)
    total = getattr(page, "num_pages", None) or getattr(paginator, "num_pages", None)

    def link(number: int) -> dict[str, str]:
        text = f"Page {number} of {total}" if total else f"Page {number}"
        return {"href": _href(query, "page", number), "text": text}

    return {
        "label": label,
        "previous": link(_read(page, "previous_page_number"))
        if _read(page, "has_previous")
        else None,
        "next": link(_read(page, "next_page_number")) if _read(page, "has_next") else None,
    }


@register.inclusion_tag("includes/pagination.html")
def name_pages(page: Any, label: str, query: str = "") -> dict[str, Any]:
    """The directory's links, named by the members the neighbouring pages start from."""
    return {
        "label": label,
        "previous": {
            "href": _href(query, "before", page.first.pk),
            "text": f"Before {page.first.display_name}",
        }
        if page.has_previous
        else None,
        "next": {
            "href": _href(query, "after", page.last.pk),
            "text": f"After {page.last.display_name}",
        }
        if page.has_next
        else None,
    }
