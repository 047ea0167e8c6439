"""What a browser would post back from an admin form, read from the page's HTML."""

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The successful controls of the page's main form (`id` ends with "_form"), as a browser sends them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data = {}
        self.in_form = False
        self.textarea = None
        self.select = None
        self.select_multiple = False
        self.text_fields = []

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form"):
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
            if kind == "text" and "__prefix__" not in name:
                self.text_fields.append(name)
        elif tag == "textarea" and name:
            self.textarea = name
            self.add(name, "")
            if "__prefix__" not in name:
                self.text_fields.append(name)
        elif tag == "select" and name:
            self.select = name
            self.select_multiple = "multiple" in attrs
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def form_fields(html):
    parser = FormFields()
    parser.feed(html)
    # A textarea's first newline belongs to the markup, not the value.
    data = {name: [value.removeprefix("\n") for value in values] for name, values in parser.data.items()}
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}, parser.text_fields
