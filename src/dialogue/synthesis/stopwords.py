"""Stop words for the languages dialogues are held in: English, French, Spanish (and Portuguese).

Words are stored without accents because the vectorizer strips accents before matching;
an accented stop word would never match and would end up as a sub-theme label.
"""

from __future__ import annotations

import unicodedata

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

FRENCH = """
a ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais
aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels
avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons c ca car ce
ceci cela celle celles celui cependant certain certaine certaines certains ces cet cette ceux
chacun chacune chaque chez ci comme comment d dans de des deux devrait doit donc dont du duquel
durant elle elles en encore entre es est et etaient etais etait etant ete etes etiez etions
etre eu eue eues eurent eus eut eux fait faire fais faut fois font furent fut ici il ils j je
jusqu jusque l la laquelle le lequel les lesquelles lesquels leur leurs lors lui m ma mais me
meme memes mes moi moins mon n ne ni non nos notre nous on ont ou par parce pas pendant peu
peut peuvent plus plusieurs pour pourquoi puis qu quand que quel quelle quelles quels qui quoi
s sa sans se selon ses si sien sienne soi soient sois soit sommes son sont sous soyez soyons
suis sur t ta tandis te tes toi ton tous tout toute toutes tres tu un une unes uns vers voici
voila vos votre vous y etre avoir aussi bien deja donc ainsi autant beaucoup cet cette
"""

SPANISH = """
a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bajo bien cada
casi como con contra cual cuales cuando cuanto de del desde donde dos e el ella ellas ello
ellos en entre era eran eres es esa esas ese eso esos esta estaba estaban estado estamos estan
estar estas este esto estos estoy fue fueron fui ha habia habian haber hace hacen hacer hacia
han has hasta hay he la las le les lo los mas me mi mis mucho muchos muy nada ni no nos
nosotras nosotros nuestra nuestras nuestro nuestros o os otra otras otro otros para pero poco
por porque puede pueden que quien quienes se sea sean ser si sido siempre sin sobre solo son
su sus tambien tan tanto te tenemos tener tengo ti tiene tienen todas todo todos tu tus un una
unas uno unos usted ustedes va vamos van y ya yo
"""

PORTUGUESE = """
a ao aos as ate com como da das de dela dele deles do dos e ela elas ele eles em entre era eram
essa essas esse esses esta estas este estes eu foi foram ha isso isto ja lhe lhes mais mas me
mesmo meu minha muito na nao nas nem no nos nossa nosso num numa o os ou para pela pelas pelo
pelos por qual quando que quem se sem ser seu seus sua suas tambem te tem ter teu um uma voce
"""

# Words every e-dialogue post is full of, which would otherwise label every sub-theme, and
# the stubs the word pattern cuts from English contractions ("don't" gives "don").
DIALOGUE = """
think also would could really need needs work working people thing things way ways make one
many much well like just know see said say get us may might must lot lots asked ask told tell
run got going want wanted year years time times even still new two three first last often
kind sure yes yet less back ago around week weeks day days thank thanks dear colleague
colleagues example examples point question questions case cases part
don doesn didn isn aren wasn weren won wouldn couldn shouldn haven hasn hadn ive youre
"""

# Chinese function words and openers ("I think", "we should") that jieba keeps as words.
CHINESE = """
我们 你们 他们 她们 我們 你們 他們 我覺 覺得 觉得 我觉 认为 認為 因为 因為 所以 但是 如果 可以
这个 這個 那个 那個 一个 一個 没有 沒有 就是 还是 還是 自己 什么 什麼 应该 應該 需要 非常 我們
"""


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stop_words() -> list[str]:
    """One sorted list (sorted, so the vectorizer's vocabulary never depends on set order)."""
    words = set(ENGLISH_STOP_WORDS)
    for block in (FRENCH, SPANISH, PORTUGUESE, DIALOGUE, CHINESE):
        words.update(block.split())
    return sorted({strip_accents(word) for word in words})
