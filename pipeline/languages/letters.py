"""Letter evidence between close languages: which letters each language of a group writes.

Close languages (Russian, Ukrainian, Belarusian, Bulgarian; Czech and Slovak; Spanish,
Portuguese, Catalan; Danish, Norwegian, Swedish) share most of their words' shapes, so a
statistical model of a few words often cannot tell them apart; their alphabets can. A text
with ``ы`` is not Ukrainian or Bulgarian, one with ``ї`` or ``є`` is Ukrainian, ``ў`` is
Belarusian, ``ě ř ů`` are Czech and ``ä ľ ô`` Slovak, ``ã õ`` Portuguese, ``ñ`` Spanish,
``è ò`` Catalan, ``ø æ`` Danish or Norwegian and ``ä ö`` Swedish. These are facts of the
orthographies (the letters each alphabet has), not of any data set.

:func:`consistent` keeps an answer its letters allow, and otherwise names the members of the
answer's group whose alphabets hold every telling letter of the text; the caller chooses
among them by its model's probabilities.
"""

from __future__ import annotations

from collections.abc import Collection

#: Each group's languages and their letters: the whole alphabet for Cyrillic, the letters
#: beyond a-z for Latin (a-z are shared and tell nothing).
GROUPS: tuple[dict[str, str], ...] = (
    {"ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
     "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
     "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
     "bg": "абвгдежзийклмнопрстуфхцчшщъьюяѝ",
     "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
     "sr": "абвгдђежзијклљмнњопрстћуфхцчџш"},
    {"cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž"},
    {"es": "áéíñóúü", "pt": "áâãàçéêíóôõú", "ca": "àçèéíïòóúü", "gl": "áéíñóú"},
    {"da": "æøåé", "no": "æøåéèêóòô", "sv": "åäöé"},
)
_GROUP_OF = {lang: group for group in GROUPS for lang in group}
#: Per group, the letters that some of its languages write and others do not.
_TELLING = {id(group): frozenset().union(*map(set, group.values()))
            - frozenset.intersection(*map(frozenset, group.values())) for group in GROUPS}


def consistent(text: str, answer: str, candidates: Collection[str]) -> tuple[str, ...]:
    """``(answer,)`` when ``text``'s letters allow it (or it has no close group); else the
    candidates of its group whose alphabets hold every telling letter of ``text``, which may
    be none (a name from elsewhere: then the answer stands, ``(answer,)``)."""
    group = _GROUP_OF.get(answer)
    if group is None:
        return (answer,)
    letters = _TELLING[id(group)].intersection(text.lower())
    if not letters or letters <= set(group[answer]):
        return (answer,)
    allowed = tuple(lang for lang, alphabet in group.items()
                    if lang in candidates and letters <= set(alphabet))
    return allowed or (answer,)
