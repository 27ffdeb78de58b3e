"""The words of the sample city's notes.

The simulator decides who writes which note about which place and fills a :class:`NotePlan`;
:func:`compose_note` writes the title, body and hashtags. Chinese notes read like 小红书 posts
(hooks, emoji, slang, bullet lists, hashtags), English ones like expat / traveller posts.

Every place surface form in the plan appears verbatim in ``title + "\\n" + text``; nothing else
in the text names a place. Output is deterministic given the generator's state, and all phrase
banks are module-level constants, so composing costs tens of microseconds per note.

Examples
--------
>>> import numpy as np
>>> plan = NotePlan(lang="zh", topic="coffee", category="coffee", merchant="半岛咖啡",
...                 area="武康路", district=None, city="上海", rating=0.9, price=45,
...                 visited=True, paid=False, length="medium")
>>> title, text, tags = compose_note(plan, np.random.default_rng(1))
>>> "半岛咖啡" in title + "\\n" + text and "武康路" in title + "\\n" + text
True
"""

from __future__ import annotations

import numpy as np

from loopmap.sample.text_base import LENGTHS, Dice, NotePlan
from loopmap.sample.text_en import compose_en
from loopmap.sample.text_zh import compose_zh

__all__ = ["NotePlan", "compose_note"]


def compose_note(plan: NotePlan, rng: np.random.Generator) -> tuple[str, str, list[str]]:
    """Write one note for a plan.

    Parameters
    ----------
    plan
        What the note says: language, topic, category, the place surface forms to mention,
        the author's rating, price, whether they went, whether it is paid, and its length.
    rng
        Source of randomness; the same plan and generator state give the same note.

    Returns
    -------
    title, text, tags
        The title, the body (ending with its hashtags when it has any) and the hashtags
        without ``#``.

    Raises
    ------
    ValueError
        If ``plan.lang`` is not ``"zh"`` or ``"en"``, or ``plan.length`` is not one of
        ``"short"``, ``"medium"``, ``"long"``.
    """
    if plan.length not in LENGTHS:
        msg = f"NotePlan.length must be one of {LENGTHS}, got {plan.length!r}"
        raise ValueError(msg)
    dice = Dice(rng)
    if plan.lang == "zh":
        return compose_zh(plan, dice)
    if plan.lang == "en":
        return compose_en(plan, dice)
    msg = f"NotePlan.lang must be 'zh' or 'en', got {plan.lang!r}"
    raise ValueError(msg)
