"""Write the weekly reports as JSON and HTML files, and summarize them for the terminal.

Headings and labels come from `assistant/messages.yaml` in English or Chinese. The data
(terms, questions, module names) is shown as stored.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from assistant.domain import Language
from assistant.i18n import translate
from insights.gaps import KbGapsReport
from insights.voc import QuotedText, VocReport

TEMPLATES_DIR = Path(__file__).parent / "templates"
HTML_LANG = {Language.EN: "en", Language.ZH: "zh-CN"}
TIME_FORMAT = "%Y-%m-%d %H:%M"
TEXT_TERMS = 10
TEXT_CLUSTERS = 10
Report = VocReport | KbGapsReport


def report_stem(report: Report) -> str:
    """Return the file name of a report without extension, e.g. `voc-default-2026-W48`."""
    kind = "voc" if isinstance(report, VocReport) else "kb-gaps"
    return f"{kind}-{report.tenant}-{report.week}"


def write_report(report: Report, out_dir: Path, language: Language) -> list[Path]:
    """Write `<stem>.json` and `<stem>.<language>.html` into `out_dir` and return their paths.

    The HTML name carries the language so that the English and Chinese pages of one week
    sit side by side. The JSON contains data only, the same in every language.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(report)
    json_path = out_dir / f"{stem}.json"
    html_path = out_dir / f"{stem}.{language.value}.html"
    json_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    html_path.write_text(render_html(report, language), encoding="utf-8")
    return [json_path, html_path]


def render_html(report: Report, language: Language) -> str:
    """Render a report as a self-contained HTML page in a language."""
    zone = ZoneInfo(report.timezone)

    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    def when(moment: datetime) -> str:
        return moment.astimezone(zone).strftime(TIME_FORMAT)

    def source_label(item: QuotedText) -> str:
        label = t(f"report_source_{item.source}")
        if item.conversation_id:
            return f"{label}, {t('report_conversation', id=item.conversation_id)}"
        return f"{label}, {item.ticket_id}" if item.ticket_id else label

    if isinstance(report, VocReport):
        template_name = "voc_report.html.j2"
        title = t("report_voc_title", tenant=report.tenant, week=report.week)
    else:
        template_name = "kb_gaps_report.html.j2"
        title = t("report_gaps_title", tenant=report.tenant, week=report.week)
    template = _environment().get_template(template_name)
    return template.render(
        report=report,
        title=title,
        html_lang=HTML_LANG[language],
        t=t,
        when=when,
        percent=_percent,
        source_label=source_label,
    )


def render_text(report: Report, language: Language) -> str:
    """Return a short plain-text summary of a report for the terminal."""
    if isinstance(report, VocReport):
        return _voc_text(report, language)
    return _gaps_text(report, language)


def _voc_text(report: VocReport, language: Language) -> str:
    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    colon = _colon(language)
    totals, previous = report.totals, report.previous_totals
    lines = [
        t("report_voc_title", tenant=report.tenant, week=report.week),
        f"{t('report_total_texts')}{colon}{totals.texts} ({t('report_previous_week')}{colon}"
        f"{previous.texts}), {t('report_total_negative')}{colon}{totals.negative} "
        f"({_percent(totals.negative_share)})",
        "",
        t("report_terms"),
    ]
    for term in report.terms[:TEXT_TERMS]:
        modules = ", ".join(module.module for module in term.modules)
        lines.append(
            f"  {term.term}{colon}{term.count} ({t('report_trend_' + term.trend)} "
            f"{term.change:+d}) {modules}"
        )
    if not report.terms:
        lines.append(f"  {t('report_empty')}")
    lines += ["", t("report_modules")]
    lines += [
        f"  {module.module}{colon}{module.count} ({t('report_previous_week')}{colon}"
        f"{module.previous_count}), {t('report_col_negative')}{colon}{module.negative_count}"
        for module in report.modules
    ]
    return "\n".join(lines)


def _gaps_text(report: KbGapsReport, language: Language) -> str:
    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    lines = [
        t("report_gaps_title", tenant=report.tenant, week=report.week),
        t("report_gaps_summary", candidates=report.candidates, clusters=len(report.clusters)),
    ]
    for cluster in report.clusters[:TEXT_CLUSTERS]:
        modules = ", ".join(module.module for module in cluster.modules)
        lines.append(
            f"  {cluster.rank}. {cluster.label} ({t('report_col_score')} {cluster.score}, "
            f"{t('report_col_questions')} {cluster.questions}) {modules}"
        )
        lines += [f"     - {example.question}" for example in cluster.examples]
    stale = report.stale_docs
    lines += ["", t("report_stale")]
    if stale.current_version is None:
        lines.append(f"  {t('report_stale_no_version')}")
        return "\n".join(lines)
    lines.append(
        "  "
        + t(
            "report_stale_summary",
            stale=len(stale.stale),
            checked=stale.checked_docs,
            unversioned=stale.unversioned_docs,
        )
    )
    lines += [
        f"  {doc.doc} ({doc.module}){_colon(language)}{t('report_col_describes')} "
        f"{doc.described_version}, "
        f"{t('report_col_changed_in')} {doc.changed_in}"
        for doc in stale.stale
    ]
    return "\n".join(lines)


def _colon(language: Language) -> str:
    return "：" if language is Language.ZH else ": "


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
