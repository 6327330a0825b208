package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/legalbot/legalbot/knowledge"
)

// CommandDescription returns the short description of a command in lang.
func (e *Engine) CommandDescription(lang, command string) string {
	t := e.cfg.Texts.For(lang)
	switch command {
	case "start":
		return t.CommandStart
	case "help":
		return t.CommandHelp
	case "topics":
		return t.CommandTopics
	case "lang":
		return t.CommandLang
	case "forget":
		return t.CommandForget
	case "lawyer":
		return t.CommandLawyer
	case "status":
		return t.CommandStatus
	case "end":
		return t.CommandEnd
	case "law":
		return t.CommandLaw
	}
	return command
}

// Languages lists the languages the engine speaks.
func (e *Engine) Languages() []string { return e.cfg.Texts.Languages() }

func (e *Engine) handleStart(ctx context.Context, c *turn, payload string) (Response, error) {
	if payload != "" {
		c.sess.Source = sanitizeSource(payload)
	}
	c.sess.State = ""
	t := c.texts
	c.sess.StateData = setFlag(c.sess.StateData, flagDisclaimed)
	return Response{Replies: []Reply{{
		Text:    t.Welcome + "\n\n" + t.Disclaimer + "\n\n" + t.Privacy,
		Buttons: [][]Button{{{Label: t.CommandTopics, Data: "topics:"}}},
	}}}, nil
}

// sanitizeSource keeps a /start payload to what deep links allow
// (A-Z a-z 0-9 _ -, at most 64 characters).
func sanitizeSource(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
		if b.Len() == 64 {
			break
		}
	}
	return b.String()
}

func (e *Engine) handleHelp(ctx context.Context, c *turn, _ string) (Response, error) {
	return Response{Replies: []Reply{{Text: c.texts.Help}}}, nil
}

func (e *Engine) handleTopics(ctx context.Context, c *turn, _ string) (Response, error) {
	return Response{Replies: []Reply{e.topicList(c)}}, nil
}

func (e *Engine) pressTopics(ctx context.Context, c *turn, _ string) (Response, error) {
	return Response{Replies: []Reply{e.topicList(c)}}, nil
}

func (e *Engine) topicList(c *turn) Reply {
	var rows [][]Button
	var row []Button
	for _, cat := range e.cfg.KB.Categories {
		if len(e.cfg.KB.Published(cat.ID)) == 0 {
			continue
		}
		row = append(row, Button{Label: cat.Name(c.lang), Data: "t:" + cat.ID})
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return Reply{Text: c.texts.Topics, Buttons: rows}
}

// topicPage is how many questions a topic page lists.
const topicPage = 8

func (e *Engine) pressTopic(ctx context.Context, c *turn, arg string) (Response, error) {
	id, pageArg, _ := strings.Cut(arg, ":")
	cat, ok := e.cfg.KB.Category(id)
	if !ok {
		return Response{Notice: c.texts.Unavailable}, nil
	}
	entries := e.cfg.KB.Published(id)
	if len(entries) == 0 {
		return Response{Replies: []Reply{{Text: c.texts.TopicEmpty}}}, nil
	}
	page := 0
	fmt.Sscanf(pageArg, "%d", &page)
	pages := (len(entries) + topicPage - 1) / topicPage
	page = max(0, min(page, pages-1))
	var rows [][]Button
	for _, en := range entries[page*topicPage : min(len(entries), (page+1)*topicPage)] {
		rows = append(rows, []Button{{Label: buttonLabel(en.Title(c.lang)), Data: "e:" + en.ID}})
	}
	var nav []Button
	if page > 0 {
		nav = append(nav, Button{Label: c.texts.PagePrev, Data: fmt.Sprintf("t:%s:%d", id, page-1)})
	}
	if page < pages-1 {
		nav = append(nav, Button{Label: c.texts.PageNext, Data: fmt.Sprintf("t:%s:%d", id, page+1)})
	}
	if nav != nil {
		rows = append(rows, nav)
	}
	return Response{Replies: []Reply{{Text: fill(c.texts.TopicEntries, "name", cat.Name(c.lang)), Buttons: rows}}}, nil
}

// buttonLabel shortens a label to what fits on a phone's button.
func buttonLabel(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

func (e *Engine) handleLang(ctx context.Context, c *turn, arg string) (Response, error) {
	if arg == "" {
		var row []Button
		for _, l := range e.cfg.Texts.Languages() {
			row = append(row, Button{Label: languageName(l), Data: "lang:" + l})
		}
		return Response{Replies: []Reply{{Text: c.texts.LangPrompt, Buttons: [][]Button{row}}}}, nil
	}
	return e.setLang(c, strings.ToLower(arg))
}

func (e *Engine) pressLang(ctx context.Context, c *turn, arg string) (Response, error) {
	r, err := e.setLang(c, arg)
	r.ClearButtons = true
	return r, err
}

func (e *Engine) setLang(c *turn, lang string) (Response, error) {
	if l := clientLanguage(lang); l != "" {
		lang = l
	}
	if !e.cfg.Texts.Has(lang) {
		return Response{Replies: []Reply{{Text: c.texts.LangUnknown}}}, nil
	}
	c.sess.Lang, c.sess.LangChosen = lang, true
	c.lang, c.texts = lang, e.cfg.Texts.For(lang)
	return Response{Replies: []Reply{{Text: c.texts.LangSet}}}, nil
}

func languageName(l string) string {
	switch l {
	case "zh":
		return "中文"
	case "en":
		return "English"
	}
	return l
}

func (e *Engine) handleForget(ctx context.Context, c *turn, _ string) (Response, error) {
	return Response{Replies: []Reply{{
		Text: c.texts.ForgetConfirm,
		Buttons: [][]Button{{
			{Label: c.texts.ForgetYes, Data: "forget:yes"},
			{Label: c.texts.ForgetNo, Data: "forget:no"},
		}},
	}}}, nil
}

func (e *Engine) pressForget(ctx context.Context, c *turn, arg string) (Response, error) {
	if arg != "yes" {
		return Response{Replies: []Reply{{Text: c.texts.ForgetCancelled}}, ClearButtons: true}, nil
	}
	if e.handoffOn() {
		if err := e.forgetCases(ctx, c); err != nil {
			return Response{}, err
		}
	}
	if err := e.cfg.Sessions.Forget(ctx, c.in.Citizen); err != nil {
		return Response{}, fmt.Errorf("forget: %w", err)
	}
	c.discard = true
	return Response{Replies: []Reply{{Text: c.texts.Forgotten}}, ClearButtons: true}, nil
}

func (e *Engine) pressEntry(ctx context.Context, c *turn, id string) (Response, error) {
	en := e.cfg.KB.Entry(id)
	if en == nil || en.Status != knowledge.Published {
		return Response{Notice: c.texts.Unavailable}, nil
	}
	e.remember(c, en.Title(c.lang), knowledge.Answer, en.ID)
	return Response{Replies: []Reply{e.answer(c, en)}}, nil
}

// Session flags kept in StateData.
const flagDisclaimed = "disclaimed"

func setFlag(m map[string]string, k string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = "1"
	return m
}
