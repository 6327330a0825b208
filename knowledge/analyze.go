package knowledge

import (
	"io/fs"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Analyzer turns text into index terms. Chinese runs are first cut at
// function words (的, 了, 什么, 怎么办, 可以 …: a few dozen, listed in
// hanStop), then each piece becomes its characters (unigrams) and its
// character bigrams. This needs no dictionary, survives a wrong character in
// a word (the unigrams still meet), and keeps "junction" bigrams such as 么人
// (from 什么人) or 人可 (from 人可以) out of the index, where their rarity
// would otherwise make them the heaviest terms of a question. Latin words are
// lowercased, stop words dropped and suffixes stripped. Phrases of the
// synonym lexicon add a concept term ("~wages") wherever any of their
// variants occurs, so 老板, 用人单位 and "employer" meet in the index.
type Analyzer struct {
	lex *Lexicon
}

// NewAnalyzer returns an analyzer using the lexicon (nil for none).
func NewAnalyzer(lex *Lexicon) *Analyzer { return &Analyzer{lex: lex} }

// termKind says what a term stands for; the index weighs kinds differently.
type termKind uint8

const (
	kindBigram  termKind = iota // two adjacent Chinese characters
	kindUnigram                 // one Chinese character
	kindWord                    // a Latin word (stemmed) or a number
	kindConcept                 // a lexicon concept, "~wages"
	numKinds
)

// token is one term occurrence. Chinese unigrams and bigrams are kept as
// their runes packed in han (no string is built for them: indexing is
// dominated by them); words and concepts as text.
type token struct {
	han  uint64
	text string
	kind termKind
}

// hanKey packs one or two runes into a token key; the high bit keeps it
// non-zero.
func hanKey(r1, r2 rune) uint64 { return 1<<63 | uint64(r1)<<21 | uint64(r2) }

// key packs the token into a number, for a hash table: a Chinese token's
// runes (han, whose high bit is set) or a word's bytes if it is ASCII and
// at most eight bytes long; 0 if it has none (it is then keyed by text).
func (t token) key() uint64 {
	if t.han != 0 {
		return t.han
	}
	if len(t.text) > 8 {
		return 0
	}
	var k uint64
	for i := 0; i < len(t.text); i++ {
		c := t.text[i]
		if c == 0 || c >= utf8.RuneSelf {
			return 0
		}
		k |= uint64(c) << (8 * i)
	}
	return k
}

// String is the term as text.
func (t token) String() string {
	if t.han == 0 {
		return t.text
	}
	r1, r2 := rune(t.han>>21&0x1FFFFF), rune(t.han&0x1FFFFF)
	if r2 == 0 {
		return string(r1)
	}
	return string([]rune{r1, r2})
}

// Terms returns the text's terms, with repetitions (for term frequency).
func (a *Analyzer) Terms(text string) []string {
	toks := a.tokens(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.String()
	}
	return out
}

// isHan reports whether r is a Chinese character, testing the main CJK
// block before the full Unicode table.
func isHan(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF {
		return true
	}
	return r >= 0x3400 && unicode.Is(unicode.Han, r)
}

// tokens analyses text into typed terms, in text order, concepts last.
func (a *Analyzer) tokens(text string) []token {
	return a.appendTokens(make([]token, 0, 2*utf8.RuneCountInString(text)), text, nil)
}

// appendTokens is tokens appending to toks, with sc's lists (nil for new
// ones): indexing reuses them. It normalises the text rune by rune as it
// goes (words are substrings of the text unless normalising changes them)
// and looks for the lexicon's Chinese variants at each rune on the way:
// indexing analyses every entry's text, and most need no change.
func (a *Analyzer) appendTokens(toks []token, text string, sc *lexScratch) []token {
	lex := a != nil && a.lex != nil
	if sc == nil {
		sc = new(lexScratch)
	}
	hits := sc.hits[:0]   // concepts of the Chinese variants found
	words := sc.words[:0] // stemmed Latin words, for lexicon matching
	var runBuf [64]rune
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf && asciiClass[c]&wordStart == 0 {
			i++ // ASCII space or punctuation
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		r = FoldRune(r)
		switch {
		case isHan(r):
			run := runBuf[:0]
			for i < len(text) {
				r, n := utf8.DecodeRuneInString(text[i:])
				if r = FoldRune(r); !isHan(r) {
					break
				}
				if lex {
					hits = a.lex.hanAt(hits, text[i:], r)
				}
				run = append(run, r)
				i += n
			}
			toks = hanTokens(toks, run)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j, folded := i, false
			for j < len(text) {
				if c := text[j]; c < utf8.RuneSelf {
					if asciiClass[c]&wordPart == 0 {
						break
					}
					folded = folded || 'A' <= c && c <= 'Z'
					j++
					continue
				}
				r, n := utf8.DecodeRuneInString(text[j:])
				f := FoldRune(r)
				if !(unicode.IsLetter(f) || unicode.IsDigit(f) || f == '\'') || isHan(f) {
					break
				}
				if lex {
					hits = a.lex.hanAt(hits, text[j:], f)
				}
				folded = folded || f != r
				j += n
			}
			w := text[i:j]
			if folded {
				w = normalize(w)
			}
			w = strings.Trim(w, "'")
			w = strings.TrimSuffix(w, "'s")
			if stop := len(w) <= maxStopWord && stopWords[w]; w != "" && !stop {
				s := stem(w)
				toks = append(toks, token{text: s, kind: kindWord})
				if lex {
					words = append(words, s)
				}
			} else if w != "" && lex {
				words = append(words, w)
			}
			i = j
		default:
			if lex {
				hits = a.lex.hanAt(hits, text[i:], r)
			}
			i += n
		}
	}
	if lex {
		for _, c := range a.lex.concepts(hits, words) {
			toks = append(toks, token{text: c, kind: kindConcept})
		}
	}
	sc.hits, sc.words = hits, words
	return toks
}

// lexScratch holds appendTokens' lists for lexicon matching.
type lexScratch struct{ hits, words []string }

// asciiClass says what an ASCII character is to appendTokens, as its
// Unicode tests would.
var asciiClass = func() (c [utf8.RuneSelf]uint8) {
	for b := range c {
		r := FoldRune(rune(b))
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			c[b] |= wordStart
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			c[b] |= wordPart
		}
	}
	return c
}()

const (
	wordStart = 1 << iota // a letter or digit
	wordPart              // a letter, digit or apostrophe
)

// hanTokens appends the unigrams and bigrams of a run of Chinese characters,
// cut at function words.
func hanTokens(toks []token, run []rune) []token {
	piece := func(p []rune) {
		for k, r := range p {
			toks = append(toks, token{han: hanKey(r, 0), kind: kindUnigram})
			if k+1 < len(p) {
				toks = append(toks, token{han: hanKey(r, p[k+1]), kind: kindBigram})
			}
		}
	}
	start := 0
	for i := 0; i < len(run); {
		if n := hanStopAt(run[i:]); n > 0 {
			piece(run[start:i])
			i += n
			start = i
			continue
		}
		i++
	}
	piece(run[start:])
	return toks
}

// hanStopAt returns the length of the longest function word at the start of
// run, 0 if none.
func hanStopAt(run []rune) int {
	if r := run[0]; r < 1<<16 && hanStopFirst[r>>6]&(1<<(r&63)) == 0 {
		return 0
	}
	for _, w := range hanStopByFirst[run[0]] {
		if len(w) <= len(run) && slices.Equal(w, run[:len(w)]) {
			return len(w)
		}
	}
	return 0
}

// hanStopByFirst indexes hanStop by first character, longest words first.
var hanStopByFirst = func() map[rune][][]rune {
	m := map[rune][][]rune{}
	for w := range hanStop {
		r := []rune(w)
		m[r[0]] = append(m[r[0]], r)
	}
	for _, ws := range m {
		slices.SortFunc(ws, func(a, b []rune) int { return len(b) - len(a) })
	}
	return m
}()

// hanStopFirst marks the first characters of hanStop in the Basic
// Multilingual Plane, sparing most characters the map lookup.
var hanStopFirst = func() (bits [1 << 16 / 64]uint64) {
	for r := range hanStopByFirst {
		if r < 1<<16 {
			bits[r>>6] |= 1 << (r & 63)
		}
	}
	return bits
}()

// hanStop lists Chinese function words: question words, pronouns, particles
// and connectives that carry no legal content. Characters that also start
// content words are left out (就 of 就业, 还 of 还钱, 在 of 在职, 对 of 对方,
// 和 of 和解, 给 of 不给钱, 让 of 转让, 有 of 有效, 没有), so the list only ever
// cuts where nothing is lost.
var hanStop = setOf(
	"的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "么", "哦", "哈", "嗯", "啦", "哎", "喂",
	"我", "你", "您", "他", "她", "它", "咱", "俺", "谁", "哪", "啥", "咋", "是", "这", "那", "其",
	"我们", "你们", "他们", "她们", "咱们", "自己", "人家", "大家",
	"什么", "怎么", "怎样", "怎么样", "怎么办", "咋办", "咋整", "如何", "为什么", "为何", "哪些", "哪里", "哪儿", "哪个", "多少", "几个",
	"是否", "是不是", "可以", "可不可以", "能否", "能不能", "能够", "会不会", "要不要", "有没有", "应该", "应当", "需要", "请问", "一下",
	"这个", "那个", "这些", "那些", "这样", "那样", "这种", "那种", "其他", "其它",
	"因为", "所以", "但是", "可是", "如果", "要是", "假如", "或者", "还是", "以及", "并且", "而且", "然后", "已经", "现在", "一直", "还有",
	"您好", "你好", "谢谢", "非常", "比较", "一个", "一些", "一点",
)

// normalize folds full-width ASCII to half-width and lowercases, so ＡＢＣ１ and
// abc1 are one term.
func normalize(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return normalizeFrom(s, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if FoldRune(r) != r || r == utf8.RuneError && n == 1 {
			return normalizeFrom(s, i)
		}
		i += n
	}
	return s
}

// normalizeFrom is normalize(s) for s normal up to i: strings.Map(FoldRune,
// s), with ASCII copied byte by byte.
func normalizeFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(FoldRune(r))
		i += n
	}
	return b.String()
}

// FoldRune is the analyser's folding of one rune: full-width forms to
// half-width, the ideographic space to a space, letters to lower case.
func FoldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r >= 0x4E00 && r <= 0x9FFF:
		return r // the main CJK block has no case
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	return unicode.ToLower(r)
}

// stem strips common English suffixes: enough to meet "fired" with "fire"
// and "wages" with "wage", without a stemming library's weight.
func stem(w string) string {
	if len(w) <= 3 || !isASCII(w) {
		return w
	}
	switch w[len(w)-1] {
	case 's', 'd', 'g':
	default:
		return strings.TrimSuffix(w, "e") // no suffix below ends otherwise
	}
	for _, s := range &suffixes {
		if strings.HasSuffix(w, s.suffix) && len(w)-len(s.suffix) >= 3 {
			base := w[:len(w)-len(s.suffix)] + s.repl
			if s.suffix == "s" && strings.HasSuffix(w, "ss") {
				return w
			}
			// "stopped" → "stop", "hired" → "hire" via the e-suffix rule below.
			if (s.suffix == "ing" || s.suffix == "ed") && len(base) >= 3 {
				if n := len(base); base[n-1] == base[n-2] && !strings.ContainsRune("lsz", rune(base[n-1])) {
					base = base[:n-1]
				}
			}
			return strings.TrimSuffix(base, "e")
		}
	}
	return strings.TrimSuffix(w, "e")
}

var suffixes = [...]struct{ suffix, repl string }{
	{"ies", "y"}, {"ied", "y"}, {"ing", ""}, {"ed", ""}, {"es", "e"}, {"s", ""},
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var stopWords = setOf(
	"a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from",
	"is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing", "have", "has", "had",
	"i", "me", "my", "mine", "we", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they", "them", "their",
	"this", "that", "these", "those", "there", "here", "what", "which", "who", "whom", "how", "when", "where", "why",
	"can", "could", "should", "would", "will", "shall", "may", "might", "must", "so", "as", "than", "then", "too", "very",
	"just", "about", "into", "out", "up", "down", "over", "again", "also", "any", "some", "all", "not", "no",
	"s", "t", "don", "doesn", "didn", "won", "isn", "aren", "wasn", "please", "hi", "hello", "thanks", "thank", "get", "got",
	// Contractions, with the apostrophe and as typed on a phone without it.
	"don't", "doesn't", "didn't", "can't", "won't", "isn't", "aren't", "wasn't", "weren't", "haven't", "hasn't", "hadn't",
	"wouldn't", "couldn't", "shouldn't", "i'm", "i've", "i'd", "i'll", "we're", "we've", "they're", "they've", "you're", "he's", "she's",
	"dont", "doesnt", "didnt", "cant", "wont", "isnt", "arent", "wasnt", "werent", "havent", "hasnt", "hadnt",
	"wouldnt", "couldnt", "shouldnt", "im", "ive", "theyre", "youre",
	// The country: every question here is about Chinese law, so "in China"
	// only dilutes a query's coverage.
	"china", "chinese", "prc",
)

// maxStopWord is the longest stop word's length: longer words skip the lookup.
var maxStopWord = func() (n int) {
	for w := range stopWords {
		n = max(n, len(w))
	}
	return n
}()

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// Lexicon maps the words citizens use to the concepts the law uses: each
// group lists variants (老板, 用人单位, employer) that stand for one concept.
// It is data (synonyms.yaml), editable by an office without code changes.
type Lexicon struct {
	groups []SynonymGroup
	// byFirst indexes Han variants by their first rune, Latin ones by their
	// first word, so matching costs a lookup per position, not per variant.
	hanByFirst  map[rune][]lexVariant
	wordByFirst map[string][]lexVariant
	// wordFirst[c] has bit min(n, 63) set if a key of wordByFirst starts
	// with byte c and is n bytes long, sparing most words the map lookup.
	wordFirst [256]uint64
	// hanFirst marks hanByFirst's keys in the Basic Multilingual Plane,
	// sparing most positions the map lookup.
	hanFirst *[1 << 16 / 64]uint64
}

// SynonymGroup is one concept of the lexicon: its id and the words citizens
// and the law use for it.
type SynonymGroup struct {
	ID    string   `yaml:"id"`
	Terms []string `yaml:"terms"`
}

type lexVariant struct {
	concept string
	han     string   // normalized Han (or mixed) text, matched as a substring
	words   []string // stemmed Latin words, matched as a sequence
}

// LexiconFile is the synonym lexicon's name at the root of a knowledge-base folder.
const LexiconFile = "synonyms.yaml"

// LoadLexicon reads synonyms.yaml from the knowledge-base folder; a missing
// file is an empty lexicon.
func LoadLexicon(fsys fs.FS) (*Lexicon, error) {
	data, err := fs.ReadFile(fsys, LexiconFile)
	if err != nil {
		return NewLexicon(nil), nil
	}
	groups, ps := ParseLexicon(LexiconFile, data)
	if len(ps) > 0 {
		return nil, ps
	}
	return NewLexicon(groups), nil
}

// NewLexicon builds a lexicon from groups of (id, variants).
func NewLexicon(groups []SynonymGroup) *Lexicon {
	l := &Lexicon{groups: groups, hanByFirst: map[rune][]lexVariant{}, wordByFirst: map[string][]lexVariant{}, hanFirst: new([1 << 16 / 64]uint64)}
	for _, g := range groups {
		concept := "~" + g.ID
		for _, v := range g.Terms {
			n := normalize(strings.TrimSpace(v))
			if n == "" {
				continue
			}
			first := []rune(n)[0]
			if unicode.Is(unicode.Han, first) {
				l.hanByFirst[first] = append(l.hanByFirst[first], lexVariant{concept: concept, han: n})
				if first < 1<<16 {
					l.hanFirst[first>>6] |= 1 << (first & 63)
				}
				continue
			}
			var ws []string
			for _, w := range strings.FieldsFunc(n, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				if !stopWords[w] {
					ws = append(ws, stem(w))
				} else {
					ws = append(ws, w)
				}
			}
			if len(ws) > 0 {
				l.wordByFirst[ws[0]] = append(l.wordByFirst[ws[0]], lexVariant{concept: concept, words: ws})
				l.wordFirst[ws[0][0]] |= 1 << min(len(ws[0]), 63)
			}
		}
	}
	return l
}

// Len is the number of concept groups.
func (l *Lexicon) Len() int { return len(l.groups) }

// hanAt appends to hits the concepts of the Han variants that s starts
// with once normalised, r being its first rune normalised.
func (l *Lexicon) hanAt(hits []string, s string, r rune) []string {
	if r < 1<<16 && l.hanFirst[r>>6]&(1<<(r&63)) == 0 {
		return hits
	}
	for _, v := range l.hanByFirst[r] {
		if hasNormalPrefix(s, v.han) {
			hits = append(hits, v.concept)
		}
	}
	return hits
}

// hasNormalPrefix reports whether normalize(s) starts with prefix, which
// is normalised.
func hasNormalPrefix(s, prefix string) bool {
	for _, want := range prefix {
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 || FoldRune(r) != want {
			return false
		}
		s = s[n:]
	}
	return true
}

// concepts returns the concept terms whose variants occur in a text, each
// once: those of its Chinese variants found (hits, in text order), then
// those of its Latin variants.
func (l *Lexicon) concepts(hits, words []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, c := range hits {
		add(c)
	}
	for i, w := range words {
		if l.wordFirst[w[0]]&(1<<min(len(w), 63)) == 0 {
			continue
		}
		for _, v := range l.wordByFirst[w] {
			if i+len(v.words) <= len(words) && equalWords(words[i:i+len(v.words)], v.words) {
				add(v.concept)
			}
		}
	}
	return out
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
