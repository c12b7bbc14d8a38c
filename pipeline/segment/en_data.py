"""Word lists for the English sentence splitter (:mod:`pipeline.segment.en`).

Written from general knowledge of English usage (news style guides, the abbreviation lists that
well-known splitters keep), not fitted to an evaluation file. All lists are case-aware: an entry
is matched as written, except that an all-lower-case entry also matches with a capital first
letter (``approx.`` / ``Approx.`` at the start of a sentence). Abbreviations written with inner
dots (``e.g.``, ``a.m.``, ``U.S.``) are keyed without the dots (``eg``, ``am``, ``US``).
"""

from __future__ import annotations

# Abbreviations that are always followed by something in the same sentence: titles and ranks
# before a name, and Latin/reference abbreviations before their complement (``Mr. Smith``,
# ``Gen. Petraeus``, ``cf. the report``, ``approx. 40``).
NEVER_FINAL = frozenset("""
Mr Mrs Ms Mssrs Messrs Mmes Mme Mlle Msgr Dr Drs Prof Profs Rev Revd Hon Rt Sen Sens Rep Reps
Gov Govs Lt Col Gen Maj Capt Cmdr Cdr Comdr Cmdt Sgt Cpl Pvt Pfc Adm Brig Supt Insp Det Atty
Amb Pres Gens Adj Asst Ald Fr Sra Srta PS
vs v viz cf approx appx ca esp incl excl resp
""".split())  # not Sr. (Senior), which also closes a name: see WEAK

# Abbreviations that stand before a number (``No. 5``, ``pp. 12-14``, ``Fig. 3``, ``Jan. 15``):
# never a boundary before a digit; before a capital they count as WEAK.
BEFORE_NUMBER = frozenset("""
No Nos no nos Nr Nrs N° Nº p pp Vol Vols vol vols Fig Figs fig figs Ch Chap ch chap Sec Secs
sec secs Sect Para para Pg pg Ex Eq Eqs eq eqs Tab Op op Rte Hwy Apt Ste Rm Bldg Tel tel Ext ext
est Est
Jan Feb Febr Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
""".split())

# Lower-case abbreviations that are followed by more of the sentence in lower case (``ed. by``,
# ``op. cit.``, ``et seq.``, ``dept. of``): after them, and before them, a lower-case word does not
# start a new sentence in web text (see :mod:`.en_web`). Matched in lower case.
LOWER_ABBREVIATIONS = frozenset("""
ed eds trans transl repr rev orig ibid op cit seq dept depts govt assn assoc univ inst misc
abbr abr lit fem masc sing pl adj adv obj subj intr prep conj pron aux def indef ord
ref refs sup suppl app apps dist div gen gov max min avg std dia temp tel fax ph pg para
""".split())

# Abbreviations that often end a sentence (``apples, pears, etc.``): a boundary before any capital.
FINAL = frozenset("etc".split())

# Abbreviations that may end a sentence but are often followed by a capitalised word inside it
# (``Warner Bros. Pictures``, ``St. Louis``, ``Martin Luther King Jr. Day``; dotted ones such as
# ``the U.S. Treasury`` and ``9 a.m. Eastern`` are in MULTI_WEAK): a boundary only before a
# typical sentence opener (see STARTERS).
WEAK = frozenset("""
Bros Assn Assoc Dept Depts Univ Intl Natl Jr Sr Esq al
St Ave Av Blvd Rd Pkwy Mt Ft Pt Sq Ln Pl Ct Terr
Mon Tue Tues Wed Thu Thur Thurs Fri Sat
""".split())

# Units written with a period after a number (``10 min.``, ``5 lb.``, ``$2 bln.``): matched in
# lower case only (``Min.`` may be a minister). They end a sentence before any capital.
UNITS = frozenset("""
ft lb lbs oz yd yds mi sq hr hrs min mins mo mos yr yrs wk wks cu pct deg tbsp tsp doz gal qt
bn mn mln bln tr trn
""".split())

# Company suffixes (``Acme Inc.``). After a capitalised name they usually end a sentence when a
# capital follows, unless that capital is a job title or another suffix (``Sony Corp. Chairman
# Akio Morita``, ``Mitsubishi Co. Ltd.``); after a lower-case word (``in Co. Cork``) they are WEAK.
COMPANY = frozenset("Inc Corp Co Cos Ltd Plc PLC Cie Pty Pte Bhd Ltda Llc LLC".split())
MULTI_COMPANY = frozenset("NV SA SpA AG BV LP LLP PLC".split())
TITLE_WORDS = frozenset("""
Chairman Chairwoman Chair Chief President Vice Executive Director Directors Managing Senior Deputy
General Treasurer Secretary Spokesman Spokeswoman Spokesperson Founder Cofounder Co-founder
CEO COO CFO CTO Group Holdings Unit Subsidiary Division
""".split()) | COMPANY | MULTI_COMPANY

# US state and Canadian province abbreviations (AP style). After ``City,`` (``Dearborn, Mich.``)
# they end a sentence before any capital, because AP style puts a comma after the state inside
# a sentence (``a Dearborn, Mich., dealer``); elsewhere they are WEAK.
STATES = frozenset("""
Ala Ariz Ark Calif Cal Colo Conn Del Fla Ga Ida Ill Ind Kan Kans Ky La Md Mass Mich Minn Miss Mo
Mont Neb Nebr Nev Okla Ore Oreg Pa Penn Tenn Tex Va Vt Wash Wis Wisc Wyo Ont Que Alta Sask Nfld
""".split())
MULTI_STATES = frozenset("NH NJ NM NY NC ND RI SC SD DC BC WVa".split())

# Abbreviations written with inner dots, keyed without the dots.
MULTI_NEVER = frozenset("eg ie EG IE cf aka fka PS".split())  # ``e.g. the``, ``i.e. a``, ``a.k.a.``, ``P.S. I``
MULTI_WEAK = frozenset("""
am pm AM PM US UK UN EU USA USSR DC NY LA
""".split())
# Eras: after a year they end a sentence before any capital (``in 753 B.C. Augustus``), never
# before a number (``A.D. 79``).
ERAS = frozenset("BC AD BCE CE".split())
# Academic degrees: they end a sentence before any capital (``earned her Ph.D. Tom was``).
DEGREES = frozenset("PhD MA BA BSc MSc MD JD LLB LLM MBA DPhil EdD".split())

# Capitalised words after which an ambiguous period (after ``Inc.``, ``U.S.``, an initial) is
# taken as a sentence end: pronouns, determiners, conjunctions, prepositions and adverbs that
# open sentences but hardly ever directly follow ``Inc.``, ``U.S.`` or ``J.`` inside one.
STARTERS = frozenset("""
The A An This That These Those It Its He She They We I You His Her Their Our My Your Him Them Us
Theirs Ours Mine Yours Itself Himself Herself Themselves There Here
But And Or Nor So Yet Still However Meanwhile Also Moreover Furthermore Nevertheless Nonetheless
Instead Indeed Thus Hence Therefore Then Otherwise Besides Likewise Similarly Consequently
Accordingly Additionally Finally Eventually Initially Ultimately Overall Altogether Anyway
In On At For From With Without By As Of Into Onto Upon Under Over Among Amid Amongst Between
Despite During Unlike Like To Toward Towards Through Throughout Within Against Across Along
Around Behind Beyond Near Since Until Till Unless After Before Because Although Though While
Whereas Whether If When Whenever Where Wherever Once
What Who Whom Whose Why How Which Whatever Whoever
Some Many Most All Both Each Every Few Several No None Not Neither Either Only Such Other Others
Another Any Anyone Anything Everyone Everything Everybody Nobody Nothing Someone Something Much
More Less Fewer Even Just Perhaps Maybe Probably Certainly Clearly Obviously Apparently
Now Today Yesterday Tomorrow Tonight Recently Currently Previously Earlier Later Last Next
Already Often Sometimes Usually Never Always Again Soon
One Two Three Four Five Six Seven Eight Nine Ten
Is Are Was Were Do Does Did Has Have Had Can Could Would Should Shall Might Must
Let Please Yes Mr Mrs Ms Dr
According
""".split())  # not "May" (the month), "Will" (the name), "First" ("the U.S. First Lady")

# Titles that open a sentence after an ambiguous period (``at 6 P.M. Mr. Smith left``).
TITLE_STARTERS = frozenset("Mr Mrs Ms Messrs Dr Prof".split())

# Prepositions that open a fronted adverbial of time (``At 5 a.m. Mr. Smith went``).
FRONTING = frozenset("""
In At On By Around About Since Until Till Before After From During Between Near Toward Towards
Circa Shortly Early Late
""".split())

# Openers only when a comma follows (``the U.S. First Lady`` / ``in the U.S. First, …``).
COMMA_STARTERS = frozenset("First Second Third Fourth".split())

# Verbs of saying: ``"Why?" Smith asked.`` keeps the quotation inside the sentence.
# Forms that are also common plural nouns (``notes``, ``states``) or that report more than
# speech (``continued``) are left out.
SPEECH_VERBS = frozenset("""
said says asked asks told tells added adds replied wrote writes explained explains shouted
insisted insists warned recalled declared remarked noted argued admitted answered exclaimed
whispered tweeted stated suggested conceded acknowledged
""".split())

# Names written with a ``!`` that does not end a sentence (``Yahoo! Inc.``).
EXCLAIMING_NAMES = frozenset("Yahoo Jeopardy".split())

# Words that introduce a heading-like unit which is navigation or site furniture, not text.
BOILERPLATE_PREFIXES = (
    "Read more", "Read More", "READ MORE", "Read also", "Also read", "See also", "Related:",
    "Related articles", "Related Articles", "Related stories", "Related Stories", "More on this",
    "More from", "Advertisement", "ADVERTISEMENT", "Sponsored", "Click here", "Share this",
    "Share on", "Follow us", "Follow @", "Sign up", "Subscribe", "Copyright", "©",
    "All rights reserved", "Photo:", "Photos:", "Image:", "Images:", "Video:", "Source:",
    "Continue reading", "Story continues", "Recommended", "Most popular", "Most Popular",
    "Newsletter", "Comments", "Leave a comment", "Tags:", "Topics:", "Watch:", "WATCH:",
    "(Reporting by", "Reporting by", "(Editing by", "Editing by", "Additional reporting by",
)
