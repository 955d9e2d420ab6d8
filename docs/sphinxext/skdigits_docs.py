"""Build-time helpers for the skdigits documentation.

Everything here works offline:

* :class:`ExampleOrder` orders the example gallery (the notebook first);
* :func:`markdown_to_rst` turns the benchmark's ``RESULTS.md`` into
  reStructuredText (tables become ``list-table`` directives), and
  :func:`write_performance_include` writes it for ``performance.rst``;
* :func:`write_cli_include` captures ``skdigits --help`` (and each
  sub-command's) for ``cli.rst``;
* :func:`resolve_offline` links ``sklearn.*``, ``numpy.*`` and
  ``matplotlib.*`` references to their online documentation without
  fetching an intersphinx inventory, and renders references that come from
  docstrings inherited from scikit-learn as plain text.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from docutils import nodes

# -- example gallery order ---------------------------------------------------

#: Examples shown first, in this order; any others follow by file name.
EXAMPLE_ORDER = (
    "plot_notebook.py",
    "plot_confusion_and_mistakes.py",
    "plot_grid_search.py",
)


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``.

    Parameters
    ----------
    src_dir : str
        The gallery's source folder (unused; sphinx-gallery passes it).
    """

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = os.path.basename(filename)
        if name in EXAMPLE_ORDER:
            return (EXAMPLE_ORDER.index(name), name)
        return (len(EXAMPLE_ORDER), name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


# -- the gallery's source folder -----------------------------------------------

GALLERY_HEADERS = ("GALLERY_HEADER.rst", "README.rst", "README.txt")

_DEFAULT_GALLERY_HEADER = """\
.. _examples:

Examples
========

Each example runs on the MNIST sample bundled with skdigits, so it works
offline; download it as a Python script or a Jupyter notebook below it.
"""


def gallery_source(examples: Path, docs: Path) -> str:
    """The folder sphinx-gallery should read, relative to ``docs``.

    sphinx-gallery needs a header file (``GALLERY_HEADER.rst`` or
    ``README.txt``) in the examples folder. When ``examples`` has one, it is
    used as is. Otherwise its scripts are mirrored into
    ``docs/_gallery_src/`` (git-ignored) next to a default header, so that
    the documentation builds whatever state the examples are in.
    """
    stage = docs / "_gallery_src"
    if any((examples / name).is_file() for name in GALLERY_HEADERS):
        shutil.rmtree(stage, ignore_errors=True)  # a stale mirror
        return os.path.relpath(examples, docs)
    stage.mkdir(exist_ok=True)
    wanted = {}
    if examples.is_dir():
        wanted = {
            path.name: path.read_bytes()
            for path in sorted(examples.iterdir())
            if path.is_file() and path.suffix in (".py", ".rst", ".txt")
        }
    wanted["GALLERY_HEADER.rst"] = _DEFAULT_GALLERY_HEADER.encode()
    for old in stage.iterdir():
        if old.is_file() and old.name not in wanted:
            old.unlink()
    for name, data in wanted.items():
        target = stage / name
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
    return "_gallery_src"


# -- writing generated files -------------------------------------------------


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it already holds exactly that.

    Unchanged files keep their modification time, so Sphinx does not
    rebuild the pages that include them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# -- Markdown (the benchmark's RESULTS.md) to reStructuredText -----------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^(```|~~~)\s*([\w+-]*)\s*$")
_BULLET = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_HEADING_CHARS = "~^\"'`"


_PROTECTED = re.compile(
    r"(?P<code>`+[^`]*?`+)"
    r"|(?P<image>!\[(?P<alt>[^\]]*)\]\([^)]*\))"
    r"|(?P<link>\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\))"
    r"|(?P<auto><(?P<autourl>https?://[^>\s]+)>)"
)


def _plain(part: str) -> str:
    """Markdown emphasis to reST, and escapes for reST's markup characters."""
    bold, italic = "\x00\\1\x00", "\x01\\1\x01"
    part = re.sub(r"\*\*(?!\s)(.+?)(?<!\s)\*\*", bold, part)
    part = re.sub(r"(?<!\w)__(?!\s)(.+?)(?<!\s)__(?!\w)", bold, part)
    part = re.sub(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])", italic, part)
    part = re.sub(r"(?<![\w_])_(?!\s)([^_]+?)(?<!\s)_(?![\w_])", italic, part)
    # What is left would start reST markup: escape it.
    part = re.sub(r"([`*|\\])", r"\\\1", part)
    part = re.sub(r"(?<=[A-Za-z0-9])_(?=\W|$)", r"\\_", part)
    return part.replace("\x00", "**").replace("\x01", "*")


def _inline(text: str) -> str:
    """Markdown inline markup to reStructuredText inline markup."""
    out = []
    position = 0
    for match in _PROTECTED.finditer(text):
        out.append(_plain(text[position : match.start()]))
        position = match.end()
        if match.group("code"):
            code = match.group("code").strip("`")
            out.append(f"``{code}``" if code.strip() else match.group("code"))
        elif match.group("image"):
            out.append(_plain(match.group("alt")))
        elif match.group("link"):
            label = match.group("text").replace("`", "").replace("<", "")
            out.append(f"`{label} <{match.group('url')}>`__")
        else:
            url = match.group("autourl")
            out.append(f"`{url} <{url}>`__")
    out.append(_plain(text[position:]))
    return "".join(out)


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith(r"\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [cell.strip().replace(r"\|", "|") for cell in cells]


def _list_table(rows: list[list[str]]) -> list[str]:
    width = max(len(row) for row in rows)
    if not any(cell.strip() for cell in rows[0]):
        rows = rows[1:]  # an empty header row: a table without headers
        out = [".. list-table::", ""]
    else:
        out = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        row = row + [""] * (width - len(row))
        for j, cell in enumerate(row):
            text = _inline(cell) or r"\ "
            # A cell that starts like a list item must stay a paragraph.
            if re.match(r"^(\d+[.)]|[-*+#]\.?)(\s|$)", text):
                text = "\\ " + text
            out.append(("   * - " if j == 0 else "     - ") + text)
    out.append("")
    return out


def markdown_to_rst(markdown: str, *, top_level: int = 0) -> str:
    """Convert simple Markdown to reStructuredText.

    Handles what a benchmark report holds: ATX headings, paragraphs, bullet
    and numbered lists, fenced code blocks and pipe tables (converted to
    ``list-table`` directives). Anything else passes through as text.

    Parameters
    ----------
    markdown : str
        The Markdown source.
    top_level : int, default=0
        Index in ``"~^\\"'`"`` of the underline used for the shallowest
        heading in ``markdown``; deeper headings use the next characters.

    Returns
    -------
    rst : str
        reStructuredText, to be included in a page below a section whose
        subsections use ``~``.
    """
    lines = markdown.splitlines()
    headings = [m for m in map(_HEADING.match, lines) if m]
    first_text = next((line for line in lines if line.strip()), "")
    top = min((len(m.group(1)) for m in headings), default=0)
    if (
        headings
        and first_text == headings[0].string
        and len(headings[0].group(1)) == top
        and sum(len(m.group(1)) == top for m in headings) == 1
    ):
        # A single top heading is the document's title: the page has its own.
        lines = lines[lines.index(first_text) + 1 :]
        headings = headings[1:]
    levels = sorted({len(m.group(1)) for m in headings})
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            language = fence.group(2) or "text"
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith(fence.group(1)):
                body.append(lines[i])
                i += 1
            i += 1  # closing fence
            out += [f".. code-block:: {language}", ""]
            out += [f"   {b}" if b.strip() else "" for b in body]
            out.append("")
            continue
        heading = _HEADING.match(line)
        if heading:
            depth = levels.index(len(heading.group(1))) + top_level
            char = _HEADING_CHARS[min(depth, len(_HEADING_CHARS) - 1)]
            title = _inline(heading.group(2))
            out += ["", title, char * max(len(title), 4), ""]
            i += 1
            continue
        if (
            line.lstrip().startswith("|")
            and i + 1 < len(lines)
            and _TABLE_RULE.match(lines[i + 1])
        ):
            rows = [_split_row(line)]
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_split_row(lines[i]))
                i += 1
            out += ["", *_list_table(rows)]
            continue
        bullet = _BULLET.match(line)
        if bullet:
            indent = "  " * (len(bullet.group(1).expandtabs(4)) // 2)
            marker = "-" if bullet.group(2) in "-*+" else "#."
            if out and out[-1].strip() and not _BULLET.match(out[-1].strip()):
                if not out[-1].startswith((" ", "-", "#.")):
                    out.append("")
            out.append(f"{indent}{marker} {_inline(bullet.group(3))}")
            i += 1
            # Continuation lines of the item.
            while (
                i < len(lines)
                and lines[i].strip()
                and lines[i].startswith(" ")
                and not _BULLET.match(lines[i])
            ):
                pad = " " * (len(indent) + len(marker) + 1)
                out.append(pad + _inline(lines[i].strip()))
                i += 1
            if i < len(lines) and not lines[i].strip():
                out.append("")
            continue
        out.append(_inline(line.rstrip()) if line.strip() else "")
        i += 1
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _rst_problems(rst: str) -> list[str]:
    """docutils' warnings and errors for ``rst`` (empty when it is clean)."""
    from docutils.core import publish_doctree

    stream = io.StringIO()
    publish_doctree(
        rst,
        settings_overrides={
            "report_level": 2,
            "halt_level": 5,
            "warning_stream": stream,
            "file_insertion_enabled": False,
            "raw_enabled": False,
        },
    )
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def write_performance_include(results: Path, target: Path) -> None:
    """Write the reStructuredText for the benchmark results.

    With ``results`` present, its Markdown is converted (tables become
    ``list-table``); if the conversion does not give clean
    reStructuredText, the Markdown is shown as a literal block instead.
    Without it, a note says how to produce it.
    """
    if not results.is_file():
        text = (
            ".. note::\n\n"
            "   ``benchmarks/RESULTS.md`` has not been written yet: run the\n"
            "   benchmark (see above) and rebuild the documentation to see\n"
            "   its results here.\n"
        )
        write_if_changed(target, text)
        return
    markdown = results.read_text(encoding="utf-8")
    try:
        converted = markdown_to_rst(markdown)
        # Check it the way it is used: below a page title and a section.
        frame = "Page\n====\n\nResults\n-------\n\n"
        problems = _rst_problems(frame + converted)
    except Exception as exc:  # a converter bug must not break the build
        problems = [repr(exc)]
    if problems:
        body = "\n".join(
            f"   {line}" if line.strip() else "" for line in markdown.splitlines()
        )
        converted = (
            "The results, as written by the benchmark (Markdown):\n\n"
            f".. code-block:: markdown\n\n{body}\n"
        )
    write_if_changed(target, converted)


# -- the command line's help ---------------------------------------------------


def _help_text(args: list[str], cwd: Path) -> str | None:
    """``skdigits <args> --help`` run in a fresh interpreter, or None."""
    code = (
        "import sys\n"
        "from skdigits.cli import main\n"
        "sys.argv = ['skdigits', *sys.argv[1:]]\n"
        "sys.exit(main())\n"
    )
    env = dict(os.environ, COLUMNS="88", TF_CPP_MIN_LOG_LEVEL="3")
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *args, "--help"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=cwd,
            env=env,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return done.stdout.rstrip() + "\n"


def _subcommands(help_text: str) -> list[str]:
    """Sub-command names listed by argparse as ``{train,predict}``."""
    match = re.search(r"\{([\w,-]+)\}", help_text)
    return match.group(1).split(",") if match else []


def write_cli_include(repo: Path, target: Path) -> None:
    """Write ``skdigits --help`` and each sub-command's help as literal blocks.

    If :mod:`skdigits.cli` is missing or fails, a note is written instead,
    so that the page always builds.
    """
    cli = repo / "skdigits" / "cli.py"
    main_help = _help_text([], repo) if cli.is_file() else None
    if main_help is None:
        write_if_changed(
            target,
            ".. note::\n\n"
            "   The help text of ``skdigits`` could not be captured while\n"
            "   building this page; run ``skdigits --help`` to see it.\n",
        )
        return

    def block(title: str, command: str, text: str, char: str) -> list[str]:
        body = [f"   {line}" if line.strip() else "" for line in text.splitlines()]
        return [
            title,
            char * len(title),
            "",
            ".. code-block:: text",
            "",
            f"   $ {command}",
            *body,
            "",
        ]

    out = block("``skdigits --help``", "skdigits --help", main_help, "~")
    for sub in _subcommands(main_help):
        text = _help_text([sub], repo)
        if text is not None:
            command = f"skdigits {sub} --help"
            out += block(f"``{command}``", command, text, "~")
    write_if_changed(target, "\n".join(out))


def _escape(text: str) -> str:
    """Plain text made safe for reStructuredText inline markup."""
    text = re.sub(r"([\\`*|])", r"\\\1", text)
    return re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", text)


def cli_options_rst(parser) -> str:
    """``program``/``option`` directives for an argparse parser's commands.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``skdigits`` parser, with sub-commands.

    Returns
    -------
    rst : str
        One ``~``-underlined section per sub-command: its description, then
        its arguments grouped as in ``--help``, as ``.. option::`` entries
        that ``:option:`` can refer to.
    """
    import argparse

    def option_lines(action, formatter) -> list[str]:
        if action.option_strings:
            takes_value = action.nargs != 0
            metavar = formatter._format_args(action, action.dest.upper())
            names = [
                f"{name} {metavar}" if takes_value else name
                for name in action.option_strings
            ]
        else:
            names = [formatter._format_args(action, action.dest)]
        signature = ", ".join(names)
        help_text = " ".join((formatter._expand_help(action) or "").split())
        help_text = help_text[:1].upper() + help_text[1:]
        if help_text and not help_text.endswith((".", ")")):
            help_text += "."
        return [f".. option:: {signature}", "", f"   {_escape(help_text)}", ""]

    out: list[str] = []
    top = parser.prog
    formatter = parser._get_formatter()
    top_actions = [
        action
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
    ]
    if top_actions:
        out += [f".. program:: {top}", ""]
        for action in top_actions:
            out += option_lines(action, formatter)
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            title = f"``{top} {name}``"
            out += [title, "~" * len(title), ""]
            description = " ".join((sub.description or helps.get(name) or "").split())
            if description:
                out += [_escape(description), ""]
            out += [f".. program:: {top} {name}", ""]
            formatter = sub._get_formatter()
            for group in sub._action_groups:
                actions = [
                    a
                    for a in group._group_actions
                    if not isinstance(a, argparse._HelpAction)
                ]
                if not actions:
                    continue
                out += [f".. rubric:: {_escape(group.title.capitalize())}", ""]
                for sub_action in actions:
                    out += option_lines(sub_action, formatter)
            if sub.epilog:
                body = [
                    f"   {line}" if line.strip() else ""
                    for line in sub.epilog.splitlines()
                ]
                out += [".. code-block:: text", "", *body, ""]
    return "\n".join(out)


def write_cli_options_include(target: Path) -> None:
    """Write :func:`cli_options_rst` of ``skdigits.cli.build_parser()``.

    Without :mod:`skdigits.cli` (or if building its parser fails), a note is
    written instead, so that the page always builds.
    """
    try:
        from skdigits.cli import build_parser

        text = cli_options_rst(build_parser())
    except Exception as exc:
        text = (
            ".. note::\n\n"
            "   The options could not be read from ``skdigits.cli`` while\n"
            f"   building this page ({type(exc).__name__}); run\n"
            "   ``skdigits COMMAND --help`` to see them.\n"
        )
    write_if_changed(target, text)


# -- the classifier's defaults -------------------------------------------------


def classifier_defaults_rst(estimator_class) -> tuple[str, str]:
    """A table of an estimator's parameters, and substitutions for prose.

    Parameters
    ----------
    estimator_class : type
        A scikit-learn estimator with a numpydoc docstring.

    Returns
    -------
    table : str
        A ``list-table`` of every parameter: its name, its default (from
        ``get_params()`` of a default instance) and its docstring entry.
    substitutions : str
        ``.. |clf_<name>| replace:: <default>`` for every parameter, for
        ``rst_epilog``, so that prose can quote the current defaults.
    """
    from numpydoc.docscrape import NumpyDocString

    defaults = estimator_class().get_params()
    # In the constructor's order, not get_params' alphabetical one.
    order = inspect.signature(estimator_class).parameters
    params = {name: defaults[name] for name in order if name in defaults}
    described = {
        entry.name: " ".join(" ".join(entry.desc).split())
        for entry in NumpyDocString(inspect.getdoc(estimator_class))["Parameters"]
    }
    rows = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 22 16 62",
        "",
        "   * - parameter",
        "     - default",
        "     - meaning",
    ]
    substitutions = []
    for name, value in params.items():
        shown = repr(value).replace("'", '"')
        rows += [
            f"   * - ``{name}``",
            f"     - ``{shown}``",
            f"     - {described.get(name, '')}",
        ]
        substitutions.append(f".. |clf_{name}| replace:: {value}")
    return "\n".join(rows) + "\n", "\n".join(substitutions) + "\n"


# -- docstrings ----------------------------------------------------------------

_FIELD_HEADER = re.compile(r"^(\s*[\w*][\w, *]*\s:\s)(.*)$")
_FITTED_NAME = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?![`\w])")


def quote_fitted_names(app, what, name, obj, options, lines):
    """``autodoc-process-docstring`` handler: quote ``name_`` in type specs.

    In a numpydoc field such as ``feature_names_in_ : ndarray of shape
    (n_features_in_,)`` a bare ``n_features_in_`` is reST for a hyperlink
    reference to a target that does not exist; quote it as code.
    """
    for i, line in enumerate(lines):
        match = _FIELD_HEADER.match(line)
        if match:
            spec = _FITTED_NAME.sub(r"``\1``", match.group(2))
            lines[i] = match.group(1) + spec


# -- references to other projects, offline -------------------------------------

_ONLINE_DOCS = {
    "sklearn": "https://scikit-learn.org/stable/modules/generated/{}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{}.html",
    "matplotlib": "https://matplotlib.org/stable/api/_as_gen/{}.html",
}
_ALIASES = {"np": "numpy", "plt": "matplotlib.pyplot", "mpl": "matplotlib"}
# Labels of scikit-learn's user guide that docstrings inherited from
# scikit-learn refer to, and where they are online.
_SKLEARN_LABELS = {
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "metadata_routing": "metadata_routing.html",
    # The set_output user guide; its example is the stable page for it.
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "auto_examples/miscellaneous/plot_set_output.html"
    ),
}


def resolve_offline(app, env, node, contnode):
    """``missing-reference`` handler: offline links to other projects' docs.

    * ``sklearn.X``, ``numpy.X`` and ``matplotlib.X`` Python references link
      to the page that project generates for ``X`` (the pattern of their
      online API references), with no inventory to download;
    * the few labels of scikit-learn's user guide that docstrings inherited
      from scikit-learn refer to link to their online pages. Other missing
      labels are still reported.
    """
    domain = node.get("refdomain")
    target = node.get("reftarget", "")
    if domain == "py":
        head, _, rest = target.partition(".")
        head = _ALIASES.get(head, head)
        full = f"{head}.{rest}" if rest else head
        top = full.split(".")[0]
        if top in _ONLINE_DOCS and rest:
            ref = nodes.reference(
                "", "", internal=False, refuri=_ONLINE_DOCS[top].format(full)
            )
            ref["classes"].append("external-api")
            ref.append(contnode)
            return ref
    if domain == "std" and target in _SKLEARN_LABELS:
        ref = nodes.reference(
            "",
            "",
            internal=False,
            refuri="https://scikit-learn.org/stable/" + _SKLEARN_LABELS[target],
        )
        ref.append(contnode)
        return ref
    return None
