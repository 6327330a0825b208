package knowledge

import (
	"cmp"
	"container/heap"
	"encoding/binary"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Query is what the search is asked: the citizen's message and, for a
// follow-up, the earlier messages it continues.
type Query struct {
	Text string
	// Context holds earlier messages of the conversation, newest first.
	// Their terms count at ContextWeight and never outweigh the text's own.
	Context []string
	// Limit caps the hits returned (default 10).
	Limit int
}

// ContextWeight is the weight of a context term relative to the query's own.
const ContextWeight = 0.5

// Hit is one entry found for a query.
type Hit struct {
	Entry *Entry
	// Score is the BM25F relevance, reranked by QuestionMatch, as a share
	// of the most any entry could score on the query (0–1): it ranks the
	// hits of one query, and the gap between two hits is comparable across
	// queries (the policy's margin reads it).
	Score float64
	// Coverage is the IDF-weighted share of the query's terms the entry has
	// (terms only in its answer count half; words no entry has count
	// against it).
	Coverage float64
	// QuestionMatch is the IDF-weighted share of the entry's best-matching
	// question that the query contains.
	QuestionMatch float64
	// Confidence (0–1) is how sure the evidence above makes the search that
	// this entry answers the query, whatever the other hits; the policy
	// compares it with its thresholds and separately asks for a lead over
	// the runner-up.
	Confidence float64
	// QueryTerms is how many distinct terms of the query were searched, and
	// UnknownShare the share of them that no entry has (the same for every
	// hit of a search): a query the knowledge base mostly does not know is
	// rarely one of its questions.
	QueryTerms   int
	UnknownShare float64
}

// Searcher finds entries for a query, best first.
type Searcher interface {
	Search(q Query) []Hit
}

// Fields of BM25F: a citizen's words are most telling when they match a
// curated question or tag (tags include the category's names), least in the
// answer's prose, which is long and uses the law's words. The answer's
// opening (its first line, up to leadRunes) counts again: curated answers
// tend to restate there what they answer.
const (
	fieldQuestions = iota
	fieldTags
	fieldAnswer
	fieldLead
	numFields
)

// The ranking's parameters, chosen on the evaluation sets (LeCoQA and the
// built-in content's) by coordinate search; each moves recall@1 by less than
// a point around these values, so they are not fitted to particular queries.
var (
	// fieldWeight and fieldB are BM25F's per-field weight and length
	// normalisation.
	fieldWeight = [numFields]float64{1.0, 1.0, 0.5, 0.3}
	fieldB      = [numFields]float64{0.6, 0.6, 0.7, 0.5}
	// kindWeight weighs a term by its kind: a bigram is the unit of meaning
	// in Chinese; a lone character backs it up (a typo, a one-character
	// word like 房 or 狗); a lexicon concept ties paraphrases together.
	kindWeight = [numKinds]float64{kindBigram: 1, kindUnigram: 0.7, kindWord: 1, kindConcept: 0.8}
)

const (
	bm25K1 = 1.2
	// rerankDepth hits are reranked by their question match, rerankQM its
	// weight: score × (1 + rerankQM × QuestionMatch).
	rerankDepth = 20
	rerankQM    = 0.5
	leadRunes   = 80
	// maxQueryTerms caps the distinct terms a query is scored on.
	maxQueryTerms = 64
)

// Postings are stored compressed, one byte string per term: for each entry
// that has the term, in entry order, the gap to the previous entry's number
// (a uvarint) and two bytes, big-endian: the top bit set when the term is in
// the entry's questions or tags (a "key" field), the low fifteen bits the
// term's saturated, field-weighted frequency there (its BM25F score is idf ×
// weight) in units of weightMax/weightUnits. That is three to four bytes a
// posting, half a plain one, and the key bit lets the search measure
// coverage without a forward index.
const (
	weightUnits = 1<<15 - 1
	weightMax   = bm25K1 + 1
	keyBit      = 1 << 15
)

// weightCode quantises a weight.
func weightCode(w float64) uint16 {
	return uint16(min(weightUnits, max(1, math.Round(w/weightMax*weightUnits))))
}

// weightOf is the weight a code stands for (key bit cleared).
func weightOf(c uint16) float32 { return float32(c) * (weightMax / weightUnits) }

// Index is an in-memory inverted index over the published entries of a
// knowledge base. It is immutable once built and safe for concurrent use.
type Index struct {
	an      *Analyzer
	entries []*Entry
	// Terms are numbered: Chinese unigrams by a table (uniID) or their
	// packed rune, bigrams by their packed runes, words and concepts by text.
	uniID    []int32
	hanID    map[uint64]int32
	wordID   map[string]int32
	kind     []termKind
	postings [][]byte
	df       []int32
	idf      []float64
	// unknownIDF is the IDF a term no entry has would get.
	unknownIDF float64
	// qweight[t] is term t's weight in a question match: kind × IDF.
	qweight []float64
	// maxWeight[t] is the largest posting weight of term t: no entry can
	// score more than idf × maxWeight on it.
	maxWeight []float32
	// questions[d] holds, per question of doc d, its sorted distinct term ids.
	questions [][][]int32

	pool sync.Pool // *searchState
}

// NewIndex indexes the published entries of kb.
func NewIndex(kb *KB, an *Analyzer) *Index {
	ix := &Index{an: an, uniID: make([]int32, uniLast-uniFirst+1), hanID: map[uint64]int32{}, wordID: map[string]int32{}}
	for i := range ix.uniID {
		ix.uniID[i] = -1
	}
	catNames := map[string]string{}
	for _, c := range kb.Categories {
		var names []string
		for _, n := range c.Names {
			names = append(names, n)
		}
		slices.Sort(names)
		catNames[c.ID] = strings.Join(names, " ; ")
	}
	b := &builder{ix: ix}
	// Entries are analysed in parallel, a batch at a time (analysis is most
	// of the work), while the previous batch is numbered and posted in order.
	entries := kb.Published("")
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	const batchSize = 512
	analyse := func(part []*Entry) []entryTerms {
		out := make([]entryTerms, len(part))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := newEntryAnalyzer(an)
				for i := w; i < len(part); i += workers {
					out[i] = a.analyze(part[i], catNames[part[i].Category])
				}
			}()
		}
		wg.Wait()
		return out
	}
	next := make(chan []entryTerms, 1)
	go func() {
		defer close(next)
		for start := 0; start < len(entries); start += batchSize {
			next <- analyse(entries[start:min(len(entries), start+batchSize)])
		}
	}()
	i := 0
	for batch := range next {
		for j := range batch {
			b.add(entries[i], &batch[j])
			i++
		}
	}
	b.finish()
	return ix
}

// entryTerms is one entry analysed: its distinct terms with their
// frequency per field, its field lengths and, per question, which terms.
type entryTerms struct {
	terms     []token
	tf        [][numFields]uint8
	lens      [numFields]float32
	questions [][]int32 // indexes into terms
}

// entryAnalyzer analyses entries; each goroutine has its own.
type entryAnalyzer struct {
	an    *Analyzer
	han   map[uint64]int32
	words map[string]int32
}

func newEntryAnalyzer(an *Analyzer) *entryAnalyzer {
	return &entryAnalyzer{an: an, han: map[uint64]int32{}, words: map[string]int32{}}
}

func (a *entryAnalyzer) analyze(e *Entry, categoryNames string) entryTerms {
	clear(a.han)
	clear(a.words)
	var et entryTerms
	var ids []int32
	count := func(field int, toks []token) {
		ids = ids[:0]
		for _, t := range toks {
			var i int32
			var ok bool
			if t.han != 0 {
				i, ok = a.han[t.han]
			} else {
				i, ok = a.words[t.text]
			}
			if !ok {
				i = int32(len(et.terms))
				if t.han != 0 {
					a.han[t.han] = i
				} else {
					a.words[t.text] = i
				}
				et.terms = append(et.terms, t)
				et.tf = append(et.tf, [numFields]uint8{})
			}
			if c := &et.tf[i][field]; *c < math.MaxUint8 {
				*c++
			}
			ids = append(ids, i)
			et.lens[field] += float32(kindWeight[t.kind])
		}
	}
	for _, lang := range e.Languages() {
		t := e.Text[lang]
		for _, q := range t.Questions {
			count(fieldQuestions, a.an.tokens(q))
			et.questions = append(et.questions, slices.Clone(ids))
		}
		count(fieldAnswer, a.an.tokens(t.Answer))
		count(fieldLead, a.an.tokens(answerLead(t.Answer)))
	}
	tags := strings.Join(e.Tags, " ; ")
	if categoryNames != "" {
		tags += " ; " + categoryNames
	}
	count(fieldTags, a.an.tokens(tags))
	return et
}

// builder holds what indexing needs until the statistics are known: the
// raw postings (gap uvarint, then the term's frequency in each field, one
// byte each) and the entries' field lengths.
type builder struct {
	ix     *Index
	raw    [][]byte
	last   []int32 // per term, the last entry appended to raw
	df     []int32 // per term, the entries appended to raw
	lens   [][numFields]float32
	avgLen [numFields]float64
}

// lookup returns a token's term id, -1 if the index has never seen it.
func (ix *Index) lookup(t token) int32 {
	if r := uniRune(t); r >= 0 {
		return ix.uniID[r]
	}
	var id int32
	var ok bool
	if t.han != 0 {
		id, ok = ix.hanID[t.han]
	} else {
		id, ok = ix.wordID[t.text]
	}
	if !ok {
		return -1
	}
	return id
}

// Unigrams of the main CJK blocks are numbered through a table, the most
// frequent lookups of indexing made cheap.
const (
	uniFirst = 0x3400
	uniLast  = 0x9FFF
)

// uniRune returns the table slot of a unigram token in the main CJK
// blocks, -1 for any other token.
func uniRune(t token) int {
	if t.kind != kindUnigram {
		return -1
	}
	r := int(t.han >> 21 & 0x1FFFFF)
	if r < uniFirst || r > uniLast {
		return -1
	}
	return r - uniFirst
}

func (b *builder) term(t token) int32 {
	ix := b.ix
	if id := ix.lookup(t); id >= 0 {
		return id
	}
	id := int32(len(b.raw))
	if r := uniRune(t); r >= 0 {
		ix.uniID[r] = id
	} else if t.han != 0 {
		ix.hanID[t.han] = id
	} else {
		ix.wordID[t.text] = id
	}
	b.raw = append(b.raw, nil)
	b.last = append(b.last, -1)
	b.df = append(b.df, 0)
	ix.kind = append(ix.kind, t.kind)
	return id
}

func (b *builder) add(e *Entry, et *entryTerms) {
	ix := b.ix
	doc := int32(len(ix.entries))
	ix.entries = append(ix.entries, e)
	ids := make([]int32, len(et.terms))
	for i, t := range et.terms {
		id := b.term(t)
		ids[i] = id
		p := binary.AppendUvarint(b.raw[id], uint64(doc-b.last[id]))
		b.raw[id] = append(p, et.tf[i][:]...)
		b.last[id] = doc
		b.df[id]++
	}
	questions := make([][]int32, len(et.questions))
	for i, q := range et.questions {
		for j, k := range q {
			q[j] = ids[k]
		}
		questions[i] = uniq(q)
	}
	b.lens = append(b.lens, et.lens)
	ix.questions = append(ix.questions, questions)
}

func (b *builder) finish() {
	ix := b.ix
	n := float64(len(ix.entries))
	for _, l := range b.lens {
		for f := range numFields {
			b.avgLen[f] += float64(l[f])
		}
	}
	for f := range numFields {
		if n > 0 {
			b.avgLen[f] /= n
		}
		if b.avgLen[f] == 0 {
			b.avgLen[f] = 1
		}
	}
	terms := len(b.raw)
	ix.postings = make([][]byte, terms)
	ix.maxWeight = make([]float32, terms)
	// All postings share one allocation (the GC then sees one object, not
	// one per term); each term's raw postings become final ones in turn and
	// are freed.
	size := 0
	for id, raw := range b.raw {
		size += len(raw) - (numFields-2)*int(b.df[id])
	}
	arena := make([]byte, 0, size)
	for id, raw := range b.raw {
		start := len(arena)
		out := arena
		doc := int32(-1)
		for i := 0; i < len(raw); {
			gap, k := binary.Uvarint(raw[i:])
			i += k
			doc += int32(gap)
			var tf [numFields]uint8
			copy(tf[:], raw[i:i+numFields])
			i += numFields
			l := b.lens[doc]
			var t float64
			for f := range numFields {
				if tf[f] == 0 {
					continue
				}
				norm := 1 - fieldB[f] + fieldB[f]*float64(l[f])/b.avgLen[f]
				t += fieldWeight[f] * float64(tf[f]) / norm
			}
			wb := weightCode(t * (bm25K1 + 1) / (bm25K1 + t))
			ix.maxWeight[id] = max(ix.maxWeight[id], weightOf(wb))
			if tf[fieldQuestions] > 0 || tf[fieldTags] > 0 {
				wb |= keyBit
			}
			out = binary.AppendUvarint(out, gap)
			out = append(out, byte(wb>>8), byte(wb))
		}
		arena = out
		ix.postings[id] = arena[start:len(arena):len(arena)]
		b.raw[id] = nil
	}
	ix.df = b.df
	ix.idf = make([]float64, terms)
	ix.qweight = make([]float64, terms)
	for id, d := range ix.df {
		ix.idf[id] = idf(n, float64(d))
		ix.qweight[id] = kindWeight[ix.kind[id]] * ix.idf[id]
	}
	ix.unknownIDF = idf(n, 0)
	b.raw, b.last, b.lens, b.df = nil, nil, nil, nil
}

// answerLead is the opening of an answer: its first line, at most
// leadRunes characters.
func answerLead(a string) string {
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, '\n'); i > 0 {
		a = a[:i]
	}
	if r := []rune(a); len(r) > leadRunes {
		a = string(r[:leadRunes])
	}
	return a
}

// idf is BM25's inverse document frequency, never negative.
func idf(n, df float64) float64 { return math.Log(1 + (n-df+0.5)/(df+0.5)) }

func uniq(ids []int32) []int32 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Len is the number of indexed entries.
func (ix *Index) Len() int { return len(ix.entries) }

// queryTerm is one distinct query term with its weight: its kind's weight,
// times ContextWeight for terms only in the context.
type queryTerm struct {
	id      int32 // -1 when the index has never seen the term
	kind    termKind
	weight  float64
	context bool // only in the context, not in the message
}

func (ix *Index) queryTerms(q Query) []queryTerm {
	var out []queryTerm
	seen := map[string]bool{}
	// Each distinct term counts once: repeating a word or padding the
	// message must not inflate a score.
	add := func(toks []token, w float64, context bool) {
		for _, t := range toks {
			key := t.String()
			if seen[key] {
				continue
			}
			seen[key] = true
			id := ix.lookup(t)
			if id >= 0 && ix.common(id) {
				continue
			}
			out = append(out, queryTerm{id: id, kind: t.kind, weight: w * kindWeight[t.kind], context: context})
		}
	}
	add(ix.an.tokens(q.Text), 1, false)
	for _, c := range q.Context {
		add(ix.an.tokens(c), ContextWeight, true)
	}
	return ix.informative(out)
}

// informative keeps a long query's maxQueryTerms most informative terms
// (weight × IDF; words no entry has are kept, they count against coverage).
// A long story's other terms are its commonest words, which cost the most
// to score and decide least (verbose-query reduction).
func (ix *Index) informative(qts []queryTerm) []queryTerm {
	if len(qts) <= maxQueryTerms {
		return qts
	}
	value := func(qt queryTerm) float64 {
		if qt.id < 0 {
			return math.Inf(1)
		}
		return qt.weight * ix.idf[qt.id]
	}
	kept := slices.Clone(qts)
	slices.SortStableFunc(kept, func(a, b queryTerm) int { return cmp.Compare(value(b), value(a)) })
	return kept[:maxQueryTerms]
}

// common reports whether a term is in more than half of a large index's
// entries: it tells them apart no better than chance (BM25's classic IDF
// would be negative), and its long postings would slow every search. Such
// terms are skipped like stop words.
func (ix *Index) common(id int32) bool {
	n := len(ix.entries)
	return n >= commonMinEntries && int(ix.df[id]) > n/2
}

// commonMinEntries is the size from which common terms are skipped; in a
// small index a term in half the entries may still decide.
const commonMinEntries = 200

// searchState is the scratch space of one search, pooled.
type searchState struct {
	scores  []float32
	touched []int32
	// covKey[d] and covAns[d] sum weight × IDF of the query terms doc d has
	// in its questions or tags, and only in its answer: its coverage.
	covKey, covAns []float32
	// inQuery[t] is the weight of term t in the query (0: absent), relative
	// to its kind's weight; set for the query's terms, cleared after.
	inQuery []float32
}

// Search ranks the published entries for q.
func (ix *Index) Search(q Query) []Hit {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	qts := ix.queryTerms(q)
	st, _ := ix.pool.Get().(*searchState)
	if st == nil {
		n := len(ix.entries)
		st = &searchState{scores: make([]float32, n), covKey: make([]float32, n), covAns: make([]float32, n), inQuery: make([]float32, len(ix.postings))}
	}
	for _, qt := range qts {
		if qt.id >= 0 {
			st.inQuery[qt.id] = float32(math.Min(1, qt.weight/kindWeight[qt.kind]))
		}
	}
	defer func() {
		for _, d := range st.touched {
			st.scores[d], st.covKey[d], st.covAns[d] = 0, 0, 0
		}
		for _, qt := range qts {
			if qt.id >= 0 {
				st.inQuery[qt.id] = 0
			}
		}
		st.touched = st.touched[:0]
		ix.pool.Put(st)
	}()
	for _, qt := range qts {
		if qt.id < 0 {
			continue
		}
		cw := float32(qt.weight * ix.idf[qt.id])
		ps := ix.postings[qt.id]
		doc := int32(-1)
		for i := 0; i < len(ps); {
			// Inline uvarint: most gaps fit one byte.
			gap := uint64(ps[i] & 0x7F)
			for shift := 7; ps[i] >= 0x80; shift += 7 {
				i++
				gap |= uint64(ps[i]&0x7F) << shift
			}
			doc += int32(gap)
			wb := uint16(ps[i+1])<<8 | uint16(ps[i+2])
			i += 3
			if st.scores[doc] == 0 {
				if qt.context {
					// The context only reorders what the message itself
					// found: "what if I have no written contract?" after a
					// wage question must not bring back the wage entry.
					continue
				}
				st.touched = append(st.touched, doc)
			}
			st.scores[doc] += cw * weightOf(wb&^keyBit)
			if wb&keyBit != 0 {
				st.covKey[doc] += cw
			} else {
				st.covAns[doc] += cw
			}
		}
	}
	if len(st.touched) == 0 {
		return nil
	}
	// Scores are shares of the best score the query could get (every term
	// matched, saturated, in a question it fully covers), so they compare
	// across queries and the policy can read the lead between two hits.
	best := ix.bestScore(qts) * (1 + rerankQM)
	// Coverage's denominator: every query term, those no entry has at the
	// IDF of an unseen term (a word the knowledge base does not know is
	// evidence against it).
	var total float64
	unknown := 0
	for _, qt := range qts {
		if qt.id < 0 {
			total += qt.weight * ix.unknownIDF
			unknown++
		} else {
			total += qt.weight * ix.idf[qt.id]
		}
	}
	top := topK(st.scores, st.touched, max(limit, rerankDepth))
	hits := make([]Hit, len(top))
	for i, d := range top {
		h := Hit{Entry: ix.entries[d], QueryTerms: len(qts), UnknownShare: float64(unknown) / float64(len(qts))}
		h.Coverage = float64(st.covKey[d]+st.covAns[d]/2) / total
		h.QuestionMatch = ix.questionMatch(d, st.inQuery)
		// Rerank: among entries the terms rank alike, the one whose question
		// the query contains wins (遗赠扶养协议 over 遗赠扶养协议、遗嘱).
		h.Score = float64(st.scores[d]) * (1 + rerankQM*h.QuestionMatch) / best
		hits[i] = h
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	for i := range hits {
		hits[i].Confidence = confidence(hits[i])
	}
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// bestScore is the most any entry could score on the query: the sum, over
// the query terms some entry has, of each term's best posting. Real scores
// are shares of it.
func (ix *Index) bestScore(qts []queryTerm) float64 {
	var s float64
	for _, qt := range qts {
		if qt.id >= 0 {
			s += qt.weight * ix.idf[qt.id] * float64(ix.maxWeight[qt.id])
		}
	}
	return max(s, 1e-9)
}

// topK returns the k best-scoring docs, best first; ties go to the earlier doc.
func topK(scores []float32, docs []int32, k int) []int32 {
	h := &docHeap{scores: scores}
	for _, d := range docs {
		if h.Len() < k {
			heap.Push(h, d)
		} else if h.less(h.docs[0], d) {
			h.docs[0] = d
			heap.Fix(h, 0)
		}
	}
	out := make([]int32, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(int32)
	}
	return out
}

// docHeap is a min-heap of docs by score: its root is the weakest kept.
type docHeap struct {
	scores []float32
	docs   []int32
}

// less reports whether a ranks below b.
func (h *docHeap) less(a, b int32) bool {
	if h.scores[a] != h.scores[b] {
		return h.scores[a] < h.scores[b]
	}
	return a > b
}
func (h *docHeap) Len() int           { return len(h.docs) }
func (h *docHeap) Less(i, j int) bool { return h.less(h.docs[i], h.docs[j]) }
func (h *docHeap) Swap(i, j int)      { h.docs[i], h.docs[j] = h.docs[j], h.docs[i] }
func (h *docHeap) Push(x any)         { h.docs = append(h.docs, x.(int32)) }
func (h *docHeap) Pop() any {
	d := h.docs[len(h.docs)-1]
	h.docs = h.docs[:len(h.docs)-1]
	return d
}

// questionMatch is the IDF-weighted share of doc d's best-matching
// question that the query contains.
func (ix *Index) questionMatch(d int32, inQuery []float32) float64 {
	var best float64
	for _, q := range ix.questions[d] {
		var have, want float64
		for _, id := range q {
			w := ix.qweight[id]
			want += w
			have += w * float64(inQuery[id])
		}
		if want > 0 {
			best = math.Max(best, have/want)
		}
	}
	return best
}

// confidence is how sure the evidence makes the search that an entry
// answers the query (the policy separately asks that no other entry come
// close). Three things must hold:
//   - the query contains most of one of the entry's questions
//     (QuestionMatch): a long story may bury the question among other words;
//   - the query is mostly about what the entry speaks of (Coverage): "my
//     Schengen visa was refused, how do I appeal?" contains "how do I
//     appeal?" but is not about a court appeal;
//   - the hit's score is not weak in absolute terms (a tenth of a question
//     matched by one shared word is no evidence, however short the question).
//
// The product is mapped piecewise-linearly so that the default thresholds
// fall where the evaluation sets separate: evidence calSuggest reads 0.30
// (suggest), calAnswer 0.55 (answer).
func confidence(h Hit) float64 {
	e := h.QuestionMatch * (0.5 + 0.5*math.Sqrt(h.Coverage)) * min(1, h.Score/weakScore)
	switch {
	case e <= calSuggest:
		return 0.30 * e / calSuggest
	case e <= calAnswer:
		return 0.30 + 0.25*(e-calSuggest)/(calAnswer-calSuggest)
	default:
		return 0.55 + 0.45*(e-calAnswer)/(1-calAnswer)
	}
}

// The confidence's calibration: see confidence.
const (
	calSuggest = 0.15
	calAnswer  = 0.29
	weakScore  = 0.3
)
