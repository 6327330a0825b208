package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/store"
)

func (e *Engine) decide(text string, context []string) knowledge.Decision {
	own := e.cfg.Searcher.Search(knowledge.Query{Text: text})
	d := e.cfg.Policy.Decide(own)
	if len(context) == 0 || (d.Outcome == knowledge.Answer && !isFollowUp(text)) {
		return d
	}
	// A follow-up ("what if I have no written contract?") is searched again
	// with the conversation so far. Only entries that match the message's
	// own words may win: the context refines, it does not answer by itself.
	matchesOwn := make(map[string]bool, len(own))
	for _, h := range own {
		matchesOwn[h.Entry.ID] = true
	}
	var hits []knowledge.Hit
	for _, h := range e.cfg.Searcher.Search(knowledge.Query{Text: context[0] + "\n" + text, Context: context[1:]}) {
		if matchesOwn[h.Entry.ID] {
			hits = append(hits, h)
		}
	}
	withCtx := e.cfg.Policy.Decide(hits)
	// A message that says it continues ("what if…", "那如果…") is read in
	// context whenever the context finds something; others only when the
	// context makes the decision better founded.
	if (isFollowUp(text) && withCtx.Outcome != knowledge.Decline) || better(withCtx, d) {
		return withCtx
	}
	return d
}

// better reports whether decision a is better founded than b.
func better(a, b knowledge.Decision) bool {
	if a.Outcome != b.Outcome {
		return a.Outcome > b.Outcome
	}
	return a.Certainty > b.Certainty
}

// isFollowUp recognises messages that continue the previous question rather
// than start a new one.
func isFollowUp(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	for _, p := range []string{"what if", "and if", "what about", "how about", "but if", "if ", "and ", "also",
		"如果", "那如果", "那", "要是", "假如", "万一", "还有", "另外", "那么", "可是", "但是"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// ask answers free text: urgency and "wants a human" first, then search and
// the answer / suggest / decline policy.
func (e *Engine) ask(ctx context.Context, c *turn, text string) (Response, error) {
	var resp Response
	sig := e.signals(text)
	if sig.WantsHuman && sig.Urgency == UrgencyNone && e.handoffOn() {
		e.remember(c, text, knowledge.Decline, "")
		return e.startIntake(ctx, c, false)
	}
	if sig.SmallTalk != SmallTalkNone && sig.Urgency == UrgencyNone && !sig.WantsHuman {
		// "你好", "thanks!": answered in kind, not searched (chit-chat that
		// shares a word with an entry must not bring it up), and not
		// remembered, so a follow-up is read against the last real question.
		resp.Replies = append(resp.Replies, e.smallTalk(c, sig.SmallTalk))
		return e.disclaimOnce(c, resp), nil
	}
	if sig.Urgency > UrgencyNone {
		// Emergency numbers come first (none for a deadline), then (with a
		// handoff) the offer of a lawyer with priority; the FAQ answer, if
		// any, follows.
		if r := e.emergencyReply(c, sig.Urgency); r.Text != "" {
			resp.Replies = append(resp.Replies, r)
		}
		if e.handoffOn() {
			c.sess.StateData = setValue(c.sess.StateData, "urgency", strconv.Itoa(int(sig.Urgency)))
			c.sess.StateData["urgent_why"] = sig.Urgency.String()
			resp.Replies = append(resp.Replies, Reply{Text: c.texts.UrgentOffer, Buttons: [][]Button{e.offerButton(c, true)}})
			if sig.WantsHuman {
				e.remember(c, text, knowledge.Decline, "")
				return resp, nil
			}
		}
	}
	d := e.decide(text, e.context(c))
	if sig.Urgency == UrgencySelfHarm && d.Outcome != knowledge.Answer && len(resp.Replies) > 0 {
		// After the crisis numbers, entries the search is unsure of, or
		// "try other words", would be heartless: a word of care instead, and
		// an open door to the legal problem.
		resp.Replies = append(resp.Replies, Reply{Text: c.texts.SelfHarmCare})
		e.remember(c, text, knowledge.Decline, "")
		return e.disclaimOnce(c, resp), nil
	}
	switch d.Outcome {
	case knowledge.Answer:
		en := d.Hits[0].Entry
		resp.Replies = append(resp.Replies, e.answer(c, en))
		e.remember(c, text, d.Outcome, en.ID)
	case knowledge.Suggest:
		var rows [][]Button
		for _, h := range d.Hits {
			rows = append(rows, []Button{{Label: buttonLabel(h.Entry.Title(c.lang)), Data: "e:" + h.Entry.ID}})
		}
		resp.Replies = append(resp.Replies, Reply{Text: c.texts.Suggest, Buttons: rows})
		e.remember(c, text, d.Outcome, "")
	default:
		r := Reply{Text: c.texts.Decline}
		if e.handoffOn() && sig.Urgency == UrgencyNone {
			// An honest "I don't know" comes with the offer of a person.
			r.Text += "\n\n" + c.texts.OfferLawyer
			r.Buttons = [][]Button{e.offerButton(c, false)}
		}
		resp.Replies = append(resp.Replies, r)
		e.remember(c, text, d.Outcome, "")
	}
	return e.disclaimOnce(c, resp), nil
}

// disclaimOnce adds the disclaimer to the last reply if the citizen has not
// seen it: it is said once, plainly, with /start or with the first reply
// to a citizen who never sent /start.
func (e *Engine) disclaimOnce(c *turn, resp Response) Response {
	if !hasFlag(c.sess.StateData, flagDisclaimed) && len(resp.Replies) > 0 {
		last := &resp.Replies[len(resp.Replies)-1]
		last.Text += "\n\n" + c.texts.Disclaimer
		c.sess.StateData = setFlag(c.sess.StateData, flagDisclaimed)
	}
	return resp
}

// smallTalk replies in kind to a greeting, thanks, a goodbye or a question
// about the bot.
func (e *Engine) smallTalk(c *turn, kind SmallTalk) Reply {
	switch kind {
	case SmallTalkThanks:
		return Reply{Text: c.texts.SmallTalkThanks}
	case SmallTalkGoodbye:
		return Reply{Text: c.texts.SmallTalkGoodbye}
	case SmallTalkAboutBot:
		r := Reply{Text: c.texts.SmallTalkAboutBot}
		if e.handoffOn() {
			r.Text += "\n" + c.texts.SmallTalkLawyer
		}
		return r
	default:
		return Reply{Text: c.texts.SmallTalkGreeting}
	}
}

func setValue(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// context returns the earlier questions a follow-up may continue, newest first.
func (e *Engine) context(c *turn) []string {
	turns := c.sess.Turns
	if len(turns) == 0 {
		return nil
	}
	last := turns[len(turns)-1]
	if e.cfg.Now().Sub(last.At) > e.cfg.FollowUpWindow {
		return nil
	}
	var out []string
	for i := len(turns) - 1; i >= 0 && len(out) < 2; i-- {
		out = append(out, turns[i].Text)
	}
	return out
}

// remember records the turn in the session.
func (e *Engine) remember(c *turn, text string, o knowledge.Outcome, entry string) {
	c.sess.AddTurn(store.Turn{At: e.cfg.Now(), Text: truncate(text, 500), Outcome: o.String(), Entry: entry}, e.cfg.MaxTurns)
	if entry != "" {
		c.sess.AddAnswer(entry, e.cfg.MaxTurns)
	}
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// answer renders an entry in the citizen's language (or, marked, in another
// when it lacks a translation), with its citations and feedback buttons.
func (e *Engine) answer(c *turn, en *knowledge.Entry) Reply {
	text, used := en.Lang(c.lang, "zh", "en")
	var b strings.Builder
	if used != c.lang {
		b.WriteString(c.texts.Fallback)
		b.WriteString("\n\n")
	}
	b.WriteString(strings.TrimSpace(text.Answer))
	if len(en.Citations) > 0 {
		b.WriteString("\n\n")
		b.WriteString(c.texts.Citations)
		for _, cit := range en.Citations {
			b.WriteString("\n• ")
			b.WriteString(cit.String())
			if !cit.Effective.IsZero() {
				b.WriteString(fill(c.texts.Effective, "date", formatDate(cit.Effective, c.lang)))
			}
		}
	}
	title := ""
	if len(text.Questions) > 0 {
		title = text.Questions[0]
	}
	var rows [][]Button
	if e.cfg.Statutes != nil {
		for i, cit := range en.Citations {
			if _, ok := e.cfg.Statutes.Article(cit.Law, int(cit.Article)); ok {
				rows = append(rows, []Button{{Label: "📖 " + buttonLabel(cit.String()), Data: fmt.Sprintf("law:%s:%d", en.ID, i)}})
			}
		}
	}
	rows = append(rows, []Button{
		{Label: c.texts.FeedbackUp, Data: "fb:" + en.ID + ":up"},
		{Label: c.texts.FeedbackDown, Data: "fb:" + en.ID + ":down"},
	})
	return Reply{Title: title, Text: b.String(), Buttons: rows}
}

func formatDate(d knowledge.Date, lang string) string {
	if lang == "zh" {
		return fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day())
	}
	return d.Format("2 January 2006")
}

func (e *Engine) pressFeedback(ctx context.Context, c *turn, arg string) (Response, error) {
	id, vote, _ := strings.Cut(arg, ":")
	if e.cfg.KB.Entry(id) == nil || (vote != string(store.Up) && vote != string(store.Down)) {
		return Response{Notice: c.texts.Unavailable}, nil
	}
	if _, err := e.cfg.Sessions.RecordFeedback(ctx, c.in.Citizen, id, store.Vote(vote)); err != nil {
		e.cfg.Log.Warn("record feedback", "err", err)
	}
	if vote == string(store.Up) {
		c.sess.DownVotes = 0
		return Response{Notice: c.texts.ThanksUp, ClearButtons: true}, nil
	}
	c.sess.DownVotes++
	r := Reply{Text: c.texts.ThanksDown}
	if e.handoffOn() && c.sess.DownVotes >= 2 {
		// Two unhelpful answers in a row: offer a person.
		r.Text += "\n\n" + c.texts.OfferLawyer
		r.Buttons = [][]Button{e.offerButton(c, false)}
	}
	return Response{Replies: []Reply{r}, Notice: c.texts.ThanksUp, ClearButtons: true}, nil
}

func hasFlag(m map[string]string, k string) bool { return m[k] != "" }

// pressLaw shows the text of an answer's citation.
func (e *Engine) pressLaw(ctx context.Context, c *turn, arg string) (Response, error) {
	id, n, _ := strings.Cut(arg, ":")
	i, err := strconv.Atoi(n)
	en := e.cfg.KB.Entry(id)
	if err != nil || en == nil || i < 0 || i >= len(en.Citations) || e.cfg.Statutes == nil {
		return Response{Notice: c.texts.Unavailable}, nil
	}
	return e.showArticle(c, en.Citations[i].Law, int(en.Citations[i].Article)), nil
}

// handleLaw is /law <statute> <article>, e.g. /law 劳动合同法 30 or 第三十条.
func (e *Engine) handleLaw(ctx context.Context, c *turn, arg string) (Response, error) {
	f := strings.Fields(arg)
	if e.cfg.Statutes == nil || len(f) != 2 {
		return Response{Replies: []Reply{{Text: c.texts.LawUsage}}}, nil
	}
	n, err := knowledge.ParseArticle(f[1])
	if err != nil {
		return Response{Replies: []Reply{{Text: c.texts.LawUsage}}}, nil
	}
	return e.showArticle(c, f[0], n), nil
}

func (e *Engine) showArticle(c *turn, law string, n int) Response {
	text, ok := e.cfg.Statutes.Article(law, n)
	if !ok {
		return Response{Replies: []Reply{{Text: c.texts.LawNotFound}}}
	}
	law = strings.Trim(law, "《》")
	return Response{Replies: []Reply{{Title: "《" + law + "》" + knowledge.ArticleNumber(n).String(), Text: text}}}
}
