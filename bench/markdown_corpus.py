"""
Texts that make Markdown parsers slow, 100 KB each: the adversarial inputs an editor (or an
attacker with an editor's account) could save or preview. The tests check that each renders
correctly (tests/test_markdown_corpus.py); `python -m bench.markdown_corpus` prints how long
each takes (target: under 100 ms each).
"""

import time

SIZE = 100_000


def _repeat(unit, size=SIZE):
    return unit * (size // len(unit))


CORPUS = {
    "nested brackets": _repeat("["),
    "balanced brackets": "[" * (SIZE // 2) + "]" * (SIZE // 2),
    "image openings": _repeat("!["),
    "citation openings": _repeat("[[cite:"),
    "closed citations": _repeat("[[cite:unsc-res-1270-1999|para. 9]] "),
    "link openings": _repeat("[a]("),
    "links with titles": _repeat('[a](https://example.org/x "t") '),
    "emphasis run": _repeat("*a**"),
    "underscore run": _repeat("_"),
    "backtick run": _repeat("`"),
    "autolink openings": _repeat("<"),
    "html openings": _repeat("<a"),
    "entity openings": _repeat("&#"),
    "reference definitions": "".join(f"[r{i}]: https://example.org/{i}\n" for i in range(SIZE // 30)),
    "reference uses": _repeat("[r1] ") + "\n\n[r1]: https://example.org/1\n",
    "long table": "| a | b |\n|---|---|\n" + _repeat("| x | y |\n", SIZE - 20),
    "wide table": "|" + _repeat("a|", SIZE // 2) + "\n|" + _repeat("-|", SIZE // 2) + "\n",
    "deep list": "".join("  " * depth + "- a\n" for depth in range(300)),
    "deep quotes": _repeat(">", SIZE // 10) + " a\n",
    "headings": _repeat("## Heading [[cite:s]]\n\nText.\n\n"),
}


def render_times():
    """(name, characters, milliseconds of this process's CPU time) of each text, rendered once."""
    from cases.citations import render_markdown

    for name, text in CORPUS.items():
        started = time.process_time()
        render_markdown(text)
        yield name, len(text), (time.process_time() - started) * 1000


def main():
    import django

    django.setup()
    print("Markdown render time of adversarial texts (target: under 100 ms each)")
    worst = 0.0
    for name, characters, milliseconds in render_times():
        worst = max(worst, milliseconds)
        mark = "" if milliseconds < 100 else "  MISSED"
        print(f"  {name:<24} {characters:>8,} characters {milliseconds:>8.1f} ms{mark}")
    print(f"  slowest: {worst:.1f} ms")


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    main()
