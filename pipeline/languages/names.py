"""How a language is named and written: its English name and its own name (what viewers show
over a column), and the direction of its script. Facts of the languages, not of any data set;
a code not listed here is shown as itself, left to right."""

from __future__ import annotations

#: code -> (English name, the language's own name)
NAMES: dict[str, tuple[str, str]] = {
    "ar": ("Arabic", "العربية"), "be": ("Belarusian", "Беларуская"),
    "bg": ("Bulgarian", "Български"), "ca": ("Catalan", "Català"), "cs": ("Czech", "Čeština"),
    "da": ("Danish", "Dansk"), "de": ("German", "Deutsch"), "el": ("Greek", "Ελληνικά"),
    "en": ("English", "English"), "es": ("Spanish", "Español"), "et": ("Estonian", "Eesti"),
    "fa": ("Persian", "فارسی"), "fi": ("Finnish", "Suomi"), "fr": ("French", "Français"),
    "he": ("Hebrew", "עברית"), "hi": ("Hindi", "हिन्दी"), "hr": ("Croatian", "Hrvatski"),
    "hu": ("Hungarian", "Magyar"), "id": ("Indonesian", "Bahasa Indonesia"),
    "it": ("Italian", "Italiano"), "ja": ("Japanese", "日本語"), "ko": ("Korean", "한국어"),
    "lt": ("Lithuanian", "Lietuvių"), "lv": ("Latvian", "Latviešu"),
    "mk": ("Macedonian", "Македонски"), "nl": ("Dutch", "Nederlands"),
    "no": ("Norwegian", "Norsk"), "pl": ("Polish", "Polski"), "pt": ("Portuguese", "Português"),
    "ro": ("Romanian", "Română"), "ru": ("Russian", "Русский"), "sk": ("Slovak", "Slovenčina"),
    "sl": ("Slovenian", "Slovenščina"), "sq": ("Albanian", "Shqip"), "sr": ("Serbian", "Српски"),
    "sv": ("Swedish", "Svenska"), "th": ("Thai", "ไทย"), "tr": ("Turkish", "Türkçe"),
    "uk": ("Ukrainian", "Українська"), "ur": ("Urdu", "اردو"), "vi": ("Vietnamese", "Tiếng Việt"),
    "zh": ("Chinese", "中文"),
}

#: Languages written right to left (Arabic, Hebrew and the scripts derived from them).
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv"})


def english_name(code: str) -> str:
    """``"German"`` for ``"de"``; an unlisted code as itself."""
    return NAMES.get(code, (code, code))[0]


def own_name(code: str) -> str:
    """``"Deutsch"`` for ``"de"``: the language's name for itself; an unlisted code as itself."""
    return NAMES.get(code, (code, code))[1]


def direction(code: str) -> str:
    """``"rtl"`` for a language written right to left, else ``"ltr"``."""
    return "rtl" if code in RIGHT_TO_LEFT else "ltr"
