"""Languages: English source strings, Simplified Chinese from ``i18n/imgprep_zh_CN.qm``.

The ``.ts`` file is the source (edit it with ``pyside6-linguist``); the ``.qm`` is built by
``pyside6-lrelease`` and committed, so the app runs where the build tool is missing::

    pyside6-lupdate imgprep/gui/*.py -ts imgprep/gui/i18n/imgprep_zh_CN.ts
    pyside6-lrelease imgprep/gui/i18n/imgprep_zh_CN.ts -qm imgprep/gui/i18n/imgprep_zh_CN.qm
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

from ..core.messages import Reason, translate

LANGUAGES = ("system", "zh_CN", "en")
_installed: list[QTranslator] = []


def i18n_dir() -> Path:
    return Path(__file__).resolve().parent / "i18n"


def resolve(language: str | None) -> str:
    """'system' (or None) → the system locale's language if we have it, else English."""
    if language in ("zh_CN", "en"):
        return language
    name = QLocale.system().name()
    return "zh_CN" if name.startswith("zh") else "en"


def install_language(language: str | None) -> str:
    """Install the translators for ``language``; Qt then sends every widget a
    LanguageChange event. Returns the language in effect."""
    app = QCoreApplication.instance()
    lang = resolve(language)
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang == "zh_CN":
        ours = QTranslator(app)
        if ours.load(str(i18n_dir() / "imgprep_zh_CN.qm")):
            app.installTranslator(ours)
            _installed.append(ours)
        qt = QTranslator(app)  # Qt's own dialogs and buttons (OK / Cancel …)
        if qt.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _installed.append(qt)
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    else:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    return lang


def is_chinese() -> bool:
    """Whether the UI speaks Chinese now (for texts that come with both languages)."""
    return QLocale().language() == QLocale.Language.Chinese


def engine_text(reason: Reason | str | None, language: str | None = None) -> str:
    """An engine message in ``language`` (default: the UI's): a :class:`Reason` from its
    code. A bare text is one with no code: a row of a journal written before codes were
    kept (or an engine text of its own), read back from its English as before."""
    language = language or ("zh" if is_chinese() else "en")
    if isinstance(reason, Reason):
        return reason.text(language)
    return old_journal_text(reason, language)


def old_journal_text(text: str | None, language: str) -> str:
    """The only place the English of a message is read back (:func:`translate`): texts
    that came without a code."""
    return translate(text, language)


def labelled(label: object, text: object) -> str:
    """'label: text', with the full-width colon in Chinese ('IMG_0002.jpg：文件被截断…')."""
    return f"{label}{'：' if is_chinese() else ': '}{text}"


_family: str | None = None


def register_fonts() -> str | None:
    """Register the bundled CJK font (imgprep.core.fonts.font_path) so Chinese never shows
    as boxes, whatever fonts the system has; return its family."""
    global _family
    if _family:
        return _family
    try:
        from ..core.fonts import font_path

        paths = [font_path("regular"), font_path("bold")]
    except Exception:  # noqa: BLE001 - a broken install still opens, with system fonts
        return None
    for p in paths:
        fid = QFontDatabase.addApplicationFont(str(p))
        fams = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
        _family = _family or (fams[0] if fams else None)
    return _family


def app_font(point_size: float = 10) -> QFont:
    fam = register_fonts()
    f = QFont()
    if fam:
        f.setFamilies([fam, *QFont().families()])
    f.setPointSizeF(point_size)
    return f
