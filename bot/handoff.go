package bot

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/legalbot/legalbot/handoff"
	"github.com/legalbot/legalbot/store"
)

// This file is the citizen's side of the handoff to the lawyer on duty:
// when the bot offers a lawyer, the intake questionnaire, the queue, the
// relay of the citizen's messages, and the rating after a case closes.
// lawyer.go is the lawyer's side.

// Outbox sends messages to chats other than the one being answered (the
// lawyers', the citizen's from a lawyer's message). Channels implement it.
// Addresses are the channel's, e.g. "tg:1001".
type Outbox interface {
	// Send delivers a reply and returns the id of the (last) message sent.
	Send(ctx context.Context, to string, r Reply) (int, error)
	// Edit replaces the text and buttons of a message sent earlier.
	Edit(ctx context.Context, to string, messageID int, r Reply) error
	// Copy copies a message (a photo, a document, a voice note) from one
	// chat to another without the "forwarded from" header, and returns the
	// new message's id.
	Copy(ctx context.Context, to, from string, messageID int) (int, error)
}

// Handoff is what the engine needs to hand citizens to lawyers. A nil
// Handoff in Config, or a roster without lawyers, turns the feature off: no
// lawyer is offered.
type Handoff struct {
	// Roster is the roster at start (or nil when UseRoster gives the first);
	// UseRoster and ReloadRoster put a new one in force while the bot runs.
	Roster  *handoff.Roster
	Cases   *store.Cases
	Signals *Detector

	mu   sync.RWMutex
	live *handoff.Roster // nil: Roster
	doc  []byte          // the document live was built from
}

// CurrentRoster returns the roster in force.
func (h *Handoff) CurrentRoster() *handoff.Roster {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.live != nil {
		return h.live
	}
	return h.Roster
}

// UseRoster puts the roster of a document (see handoff.Doc) in force. An
// invalid document is an error and changes nothing.
func (h *Handoff) UseRoster(doc []byte) error {
	r, _, err := handoff.FromDoc(doc)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.live, h.doc = r, slices.Clone(doc)
	h.mu.Unlock()
	return nil
}

// ReloadRoster puts the roster document stored in Redis in force if it
// differs from the one in force, and reports whether it did. An invalid
// document is an error; the roster in force stays.
func (h *Handoff) ReloadRoster(ctx context.Context) (bool, error) {
	doc, err := h.Cases.Roster(ctx)
	if err != nil {
		return false, err
	}
	h.mu.RLock()
	same := bytes.Equal(doc, h.doc)
	h.mu.RUnlock()
	if same || len(doc) == 0 {
		return false, nil
	}
	if err := h.UseRoster(doc); err != nil {
		return false, err
	}
	return true, nil
}

// WatchRoster reloads the roster from Redis every interval until ctx ends,
// so that a roster applied with "legalbot roster apply" reaches every
// replica without a restart.
func (e *Engine) WatchRoster(ctx context.Context, every time.Duration) {
	if e.cfg.Handoff == nil {
		return
	}
	reload := func() {
		changed, err := e.cfg.Handoff.ReloadRoster(ctx)
		switch {
		case err != nil:
			e.cfg.Log.Warn("roster not reloaded; the one in force stays", "err", err)
		case changed:
			e.cfg.Log.Info("new roster in force", "lawyers", len(e.roster().Lawyers()))
		}
	}
	repeat(ctx, every, reload)
}

// roster returns the roster in force.
func (e *Engine) roster() *handoff.Roster { return e.cfg.Handoff.CurrentRoster() }

// SetOutbox connects the engine to the channel that delivers messages to
// other chats. It must be called before the engine handles messages when a
// Handoff is configured.
func (e *Engine) SetOutbox(o Outbox) { e.outbox = o }

// Session states of the handoff.
const (
	stateIntake  = "intake"
	stateComment = "comment" // waiting for a rating comment
)

// Intake steps, in order.
const (
	stepCategory = "category"
	stepRegion   = "region"
	stepSummary  = "summary"
	stepDeadline = "deadline"
	stepConsent  = "consent"
	stepLeave    = "leave" // nobody on duty: keep the case in the queue?
)

// handoffOn reports whether citizens can be handed to a lawyer: a channel
// delivers to lawyers and the roster in force has some (a roster applied
// while the bot runs may add the first or remove the last).
func (e *Engine) handoffOn() bool {
	return e.cfg.Handoff != nil && e.outbox != nil && e.roster().HasLawyers()
}

// address is a citizen's or lawyer's channel address; the numeric part of
// "tg:1001" is the Telegram user id, which the roster uses.
func userID(address string) int64 {
	_, id, _ := strings.Cut(address, ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

func lawyerAddress(id int64) string { return "tg:" + strconv.FormatInt(id, 10) }

// offerButton is the button that starts the handoff.
func (e *Engine) offerButton(c *turn, urgent bool) []Button {
	data := "ho:start"
	if urgent {
		data = "ho:start:urgent"
	}
	return []Button{{Label: c.texts.OfferButton, Data: data}}
}

// emergencyReply lists the emergency numbers for an urgency, said first to
// urgent messages.
func (e *Engine) emergencyReply(c *turn, u Urgency) Reply {
	numbers := e.cfg.Emergency
	if len(numbers) == 0 && e.cfg.Handoff != nil {
		numbers = e.roster().Emergency()
	}
	var lines []string
	for _, n := range numbers {
		if n.ShownFor(u.String()) {
			lines = append(lines, n.Number+" "+n.Label(c.lang))
		}
	}
	if len(lines) == 0 {
		return Reply{}
	}
	return Reply{Text: fill(c.texts.UrgentFirst, "numbers", strings.Join(lines, "\n"))}
}

// signals runs the urgency and "wants a human" detector on free text.
func (e *Engine) signals(text string) Signals {
	d := e.cfg.Signals
	if d == nil && e.cfg.Handoff != nil {
		d = e.cfg.Handoff.Signals
	}
	if d == nil {
		return Signals{}
	}
	return d.Detect(text)
}

// handleLawyer is /lawyer: the citizen asks for the duty lawyer.
func (e *Engine) handleLawyer(ctx context.Context, c *turn, _ string) (Response, error) {
	if !e.handoffOn() {
		return Response{Replies: []Reply{{Text: c.texts.UnknownCommand}}}, nil
	}
	return e.startIntake(ctx, c, false)
}

func (e *Engine) pressHandoff(ctx context.Context, c *turn, arg string) (Response, error) {
	if !e.handoffOn() {
		return Response{Notice: c.texts.Unavailable}, nil
	}
	action, value, _ := strings.Cut(arg, ":")
	if action == "start" {
		r, err := e.startIntake(ctx, c, value == "urgent")
		r.ClearButtons = true
		return r, err
	}
	if action == "rate" {
		return e.rate(ctx, c, value)
	}
	if action == "skipcomment" {
		if c.sess.State == stateComment {
			c.sess.State = ""
		}
		return Response{ClearButtons: true, Replies: []Reply{{Text: c.texts.CommentThanks}}}, nil
	}
	if c.sess.State != stateIntake {
		return Response{Notice: c.texts.Unavailable}, nil
	}
	if action == "cancel" {
		return e.cancelIntake(c), nil
	}
	step := c.sess.StateData["step"]
	switch {
	case action == "cat" && step == stepCategory:
		if value != "-" {
			if _, ok := e.cfg.KB.Category(value); ok {
				c.sess.StateData["category"] = value
			}
		}
		return e.intakeStep(c, stepRegion), nil
	case action == "skip" && (step == stepRegion || step == stepSummary):
		if step == stepRegion {
			return e.intakeStep(c, stepSummary), nil
		}
		return e.intakeStep(c, stepDeadline), nil
	case action == "dl" && step == stepDeadline:
		if value == "soon" {
			c.sess.StateData["deadline"] = c.texts.DeadlineSoon
			if c.sess.StateData["urgency"] == "" {
				c.sess.StateData["urgency"] = strconv.Itoa(int(UrgencyDeadline))
				c.sess.StateData["urgent_why"] = UrgencyDeadline.String()
			}
		} else if value == "month" {
			c.sess.StateData["deadline"] = c.texts.DeadlineMonth
		}
		return e.intakeStep(c, stepConsent), nil
	case action == "consent" && step == stepConsent:
		switch value {
		case "named":
			c.sess.StateData["name"] = truncate(c.in.DisplayName, 100)
		case "yes":
		default:
			return e.cancelIntake(c), nil
		}
		return e.submitIntake(ctx, c)
	case action == "leave" && step == stepLeave:
		if value != "yes" {
			return e.cancelIntake(c), nil
		}
		return e.createCase(ctx, c, false)
	}
	return Response{Notice: c.texts.Unavailable}, nil
}

// startIntake begins the questionnaire, unless the citizen has a case open.
func (e *Engine) startIntake(ctx context.Context, c *turn, urgent bool) (Response, error) {
	if cs, err := e.openCase(ctx, c.in.Citizen); err != nil {
		return Response{}, err
	} else if cs != nil {
		return Response{Replies: []Reply{{Text: fill(c.texts.AlreadyCase, "case", cs.ID)}}}, nil
	}
	data := map[string]string{flagDisclaimed: c.sess.StateData[flagDisclaimed]}
	if urgent {
		// Keep the urgency found in the message that prompted the offer.
		data["urgency"] = c.sess.StateData["urgency"]
		data["urgent_why"] = c.sess.StateData["urgent_why"]
		if data["urgency"] == "" {
			data["urgency"] = strconv.Itoa(int(UrgencyDeadline))
		}
	}
	c.sess.State, c.sess.StateData = stateIntake, data
	return e.intakeStep(c, stepCategory), nil
}

// intakeStep moves the questionnaire to step and asks its question.
func (e *Engine) intakeStep(c *turn, step string) Response {
	c.sess.StateData["step"] = step
	cancel := Button{Label: c.texts.Cancel, Data: "ho:cancel"}
	skip := Button{Label: c.texts.Skip, Data: "ho:skip"}
	var r Reply
	switch step {
	case stepCategory:
		var rows [][]Button
		var row []Button
		for _, cat := range e.cfg.KB.Categories {
			row = append(row, Button{Label: cat.Name(c.lang), Data: "ho:cat:" + cat.ID})
			if len(row) == 2 {
				rows, row = append(rows, row), nil
			}
		}
		if row != nil {
			rows = append(rows, row)
		}
		rows = append(rows, []Button{{Label: c.texts.Skip, Data: "ho:cat:-"}, cancel})
		r = Reply{Text: c.texts.IntakeCategory, Buttons: rows}
	case stepRegion:
		r = Reply{Text: c.texts.IntakeRegion, Buttons: [][]Button{{skip, cancel}}}
	case stepSummary:
		r = Reply{Text: c.texts.IntakeSummary, Buttons: [][]Button{{skip, cancel}}}
	case stepDeadline:
		r = Reply{Text: c.texts.IntakeDeadline, Buttons: [][]Button{
			{{Label: c.texts.DeadlineSoon, Data: "ho:dl:soon"}, {Label: c.texts.DeadlineMonth, Data: "ho:dl:month"}},
			{{Label: c.texts.DeadlineNone, Data: "ho:dl:none"}, cancel},
		}}
	case stepConsent:
		r = Reply{Text: c.texts.IntakeConsent, Buttons: [][]Button{
			{{Label: c.texts.ConsentYes, Data: "ho:consent:yes"}},
			{{Label: c.texts.ConsentNamed, Data: "ho:consent:named"}},
			{{Label: c.texts.ConsentNo, Data: "ho:consent:no"}},
		}}
	}
	return Response{Replies: []Reply{r}, ClearButtons: true}
}

// intakeText takes a free-text answer of the questionnaire.
func (e *Engine) intakeText(ctx context.Context, c *turn, text string) (Response, error) {
	switch c.sess.StateData["step"] {
	case stepRegion:
		c.sess.StateData["region"] = truncate(text, 100)
		return e.intakeStep(c, stepSummary), nil
	case stepSummary:
		c.sess.StateData["summary"] = truncate(text, 1500)
		if s := e.signals(text); s.Urgency > urgencyOf(c.sess.StateData) {
			c.sess.StateData["urgency"] = strconv.Itoa(int(s.Urgency))
			c.sess.StateData["urgent_why"] = s.Urgency.String()
		}
		return e.intakeStep(c, stepDeadline), nil
	}
	// Buttons are expected; repeat the question.
	return e.intakeStep(c, c.sess.StateData["step"]), nil
}

func urgencyOf(data map[string]string) Urgency {
	n, _ := strconv.Atoi(data["urgency"])
	return Urgency(n)
}

func (e *Engine) cancelIntake(c *turn) Response {
	c.sess.State = ""
	c.sess.StateData = map[string]string{flagDisclaimed: c.sess.StateData[flagDisclaimed]}
	return Response{Replies: []Reply{{Text: c.texts.IntakeCancelled}}, ClearButtons: true}
}

// submitIntake queues the case when a matching lawyer is on duty; otherwise
// it says so, with the next shift and the hotline, and asks whether to
// leave the case in the queue.
func (e *Engine) submitIntake(ctx context.Context, c *turn) (Response, error) {
	if len(e.matchingOnDuty(ctx, c.lang, c.sess.StateData["category"])) > 0 {
		return e.createCase(ctx, c, true)
	}
	c.sess.StateData["step"] = stepLeave
	roster := e.roster()
	text := c.texts.NoOneOnDutyNoShift
	if next, ok := roster.NextShiftStart(e.cfg.Now()); ok {
		text = fill(c.texts.NoOneOnDuty, "next", formatShift(next.In(roster.Location()), c.lang))
	}
	return Response{ClearButtons: true, Replies: []Reply{{Text: text, Buttons: [][]Button{{
		{Label: c.texts.LeaveYes, Data: "ho:leave:yes"}, {Label: c.texts.LeaveNo, Data: "ho:leave:no"},
	}}}}}, nil
}

func formatShift(t time.Time, lang string) string {
	if lang == "zh" {
		return fmt.Sprintf("%d月%d日 %s", t.Month(), t.Day(), t.Format("15:04"))
	}
	return t.Format("Mon 2 Jan 15:04")
}

// matchingOnDuty lists the on-duty lawyers who speak lang, specialists in
// category first.
func (e *Engine) matchingOnDuty(ctx context.Context, lang, category string) []handoff.Lawyer {
	duty, err := e.cfg.Handoff.Cases.Duty(ctx)
	if err != nil {
		e.cfg.Log.Warn("read duty states", "err", err)
	}
	r := e.roster()
	return r.Match(r.OnDuty(e.cfg.Now(), duty), lang, category)
}

// createCase stores the case from the intake answers, queues it and
// notifies the matching lawyers on duty (when notify).
func (e *Engine) createCase(ctx context.Context, c *turn, notify bool) (Response, error) {
	d := c.sess.StateData
	cs := &store.Case{
		Citizen: c.in.Citizen, Lang: c.lang, Category: d["category"], Region: d["region"],
		Summary: d["summary"], Deadline: d["deadline"], Urgency: int(urgencyOf(d)), UrgentWhy: d["urgent_why"],
		Name:     d["name"],
		Answered: lastN(c.sess.Answers, 3),
	}
	for _, t := range lastTurns(c.sess.Turns, 5) {
		cs.Turns = append(cs.Turns, t.Text)
	}
	// The claim clock starts now, or, out of hours, when the next shift does.
	start := e.cfg.Now()
	if !notify {
		if next, ok := e.roster().NextShiftStart(start); ok {
			start = next
		}
	}
	sla := start.Add(e.roster().ClaimWithin())
	if err := e.cfg.Handoff.Cases.Create(ctx, cs, sla); err != nil {
		return Response{}, err
	}
	e.cfg.Handoff.Cases.Append(ctx, cs.ID, store.TranscriptLine{From: "bot", Kind: "event", Text: "case created"})
	c.sess.State = ""
	c.sess.StateData = map[string]string{flagDisclaimed: d[flagDisclaimed]}
	if notify {
		e.notifyLawyers(ctx, cs, e.matchingOnDuty(ctx, cs.Lang, cs.Category))
	}
	pos, _ := e.cfg.Handoff.Cases.Position(ctx, cs.ID)
	text := c.texts.CaseQueued
	if cs.Urgency > 0 {
		text = c.texts.CaseQueuedUrgent
	}
	return Response{ClearButtons: true, Replies: []Reply{{Text: fill(text, "case", cs.ID, "position", strconv.Itoa(pos))}}}, nil
}

func lastN(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func lastTurns(t []store.Turn, n int) []store.Turn {
	if len(t) > n {
		return t[len(t)-n:]
	}
	return t
}

// citizenInCase relays a message of a citizen who has an open case. It
// reports false when the citizen has none (the message is then an FAQ question).
func (e *Engine) citizenInCase(ctx context.Context, c *turn) (Response, bool, error) {
	cs, err := e.openCase(ctx, c.in.Citizen)
	if err != nil || cs == nil {
		return Response{}, false, err
	}
	id := cs.ID
	line := store.TranscriptLine{From: "citizen", Kind: "text", Text: c.in.Text}
	if c.in.Media {
		line.Kind, line.MessageID = "media", c.in.MessageID
	}
	text := c.in.Text
	e.cfg.Handoff.Cases.Append(ctx, id, line)
	if cs.Status == store.CaseWaiting {
		if text != "" {
			// What the citizen adds while waiting joins the summary the lawyer reads.
			e.cfg.Handoff.Cases.SetFields(ctx, id, map[string]any{"summary": truncate(strings.TrimSpace(cs.Summary+"\n"+text), 3000)})
		}
		pos, _ := e.cfg.Handoff.Cases.Position(ctx, id)
		return Response{Replies: []Reply{{Text: fill(c.texts.CaseWaiting, "case", id, "position", strconv.Itoa(pos))}}}, true, nil
	}
	if err := e.relayToLawyer(ctx, cs, c.in); err != nil {
		e.cfg.Log.Warn("relay to lawyer", "case_id", id, "err", err)
		return Response{Replies: []Reply{{Text: c.texts.RelayFailed}}}, true, nil
	}
	return Response{}, true, nil
}

// relayToLawyer passes a citizen's message to the case's lawyer: text as a
// message tagged with the case id, anything else copied, after a tag line.
// The citizen's name, username and phone number are never included.
func (e *Engine) relayToLawyer(ctx context.Context, cs *store.Case, in Incoming) error {
	lt := e.lawyerTexts(cs.Lawyer)
	to := lawyerAddress(cs.Lawyer)
	tag := "[" + cs.ID + "] " + lt.CitizenLabel + ": "
	var id int
	var err error
	if in.Media {
		if id, err = e.outbox.Send(ctx, to, Reply{Text: tag + "📎 " + in.Text}); err != nil {
			return err
		}
		id, err = e.outbox.Copy(ctx, to, in.Citizen, in.MessageID)
	} else {
		id, err = e.outbox.Send(ctx, to, Reply{Text: tag + in.Text})
	}
	if err != nil {
		return err
	}
	return e.cfg.Handoff.Cases.MapMessage(ctx, to, id, cs.ID)
}

// openCase returns the citizen's open (waiting or assigned) case, or nil.
func (e *Engine) openCase(ctx context.Context, citizen string) (*store.Case, error) {
	id, err := e.cfg.Handoff.Cases.CitizenCase(ctx, citizen)
	if err != nil || id == "" {
		return nil, err
	}
	cs, err := e.cfg.Handoff.Cases.Get(ctx, id)
	if err != nil || cs == nil || cs.Status == store.CaseClosed {
		return nil, err
	}
	return cs, nil
}

func (e *Engine) handleStatus(ctx context.Context, c *turn, _ string) (Response, error) {
	if !e.handoffOn() {
		return Response{Replies: []Reply{{Text: c.texts.UnknownCommand}}}, nil
	}
	cs, err := e.openCase(ctx, c.in.Citizen)
	switch {
	case err != nil:
		return Response{}, err
	case cs == nil:
		return Response{Replies: []Reply{{Text: c.texts.NoCase}}}, nil
	case cs.Status == store.CaseAssigned:
		return Response{Replies: []Reply{{Text: fill(c.texts.CaseAssignedStatus, "case", cs.ID, "lawyer", cs.LawyerName)}}}, nil
	}
	pos, _ := e.cfg.Handoff.Cases.Position(ctx, cs.ID)
	return Response{Replies: []Reply{{Text: fill(c.texts.CaseWaiting, "case", cs.ID, "position", strconv.Itoa(pos))}}}, nil
}

// handleEnd is /end: the citizen ends the case.
func (e *Engine) handleEnd(ctx context.Context, c *turn, _ string) (Response, error) {
	if !e.handoffOn() {
		return Response{Replies: []Reply{{Text: c.texts.UnknownCommand}}}, nil
	}
	cs, err := e.openCase(ctx, c.in.Citizen)
	if err != nil || cs == nil {
		return Response{Replies: []Reply{{Text: c.texts.NoCase}}}, err
	}
	if ok, err := e.endByCitizen(ctx, cs); err != nil || !ok {
		return Response{Replies: []Reply{{Text: c.texts.NoCase}}}, err
	}
	return Response{Replies: []Reply{ratingRequest(c.texts, c.texts.CaseEndedCitizen, cs.ID)}}, nil
}

// endByCitizen closes a case on the citizen's word and tells the lawyer, or
// retires the Take cards of a case nobody took yet.
func (e *Engine) endByCitizen(ctx context.Context, cs *store.Case) (bool, error) {
	ok, err := e.cfg.Handoff.Cases.Close(ctx, cs, 0, "citizen")
	if err != nil || !ok {
		return ok, err
	}
	e.cfg.Handoff.Cases.Append(ctx, cs.ID, store.TranscriptLine{From: "citizen", Kind: "event", Text: "ended by the citizen"})
	if cs.Lawyer != 0 {
		lt := e.lawyerTexts(cs.Lawyer)
		e.outbox.Send(ctx, lawyerAddress(cs.Lawyer), Reply{Text: fill(lt.LawyerCitizenEnded, "case", cs.ID)})
	} else {
		e.retireNotifications(ctx, cs, "")
	}
	return true, nil
}

func ratingRequest(t *Texts, text, id string) Reply {
	var row []Button
	for i := 1; i <= 5; i++ {
		row = append(row, Button{Label: strings.Repeat("⭐", i), Data: fmt.Sprintf("ho:rate:%s:%d", id, i)})
	}
	return Reply{Text: fill(text, "case", id, "outcome", ""), Buttons: [][]Button{row[:3], row[3:]}}
}

// rate stores the citizen's 1–5 rating of a closed case of theirs.
func (e *Engine) rate(ctx context.Context, c *turn, arg string) (Response, error) {
	id, n, _ := strings.Cut(arg, ":")
	stars, err := strconv.Atoi(n)
	cs, gerr := e.cfg.Handoff.Cases.Get(ctx, id)
	if err != nil || stars < 1 || stars > 5 || gerr != nil || cs == nil || cs.Citizen != c.in.Citizen || cs.Status != store.CaseClosed {
		return Response{Notice: c.texts.Unavailable}, gerr
	}
	if err := e.cfg.Handoff.Cases.SetFields(ctx, id, map[string]any{"rating": stars}); err != nil {
		return Response{}, err
	}
	c.sess.State = stateComment
	c.sess.StateData = map[string]string{flagDisclaimed: c.sess.StateData[flagDisclaimed], "case": id}
	return Response{ClearButtons: true, Replies: []Reply{{Text: c.texts.RateThanks,
		Buttons: [][]Button{{{Label: c.texts.Skip, Data: "ho:skipcomment"}}}}}}, nil
}

// comment stores the optional comment after a rating.
func (e *Engine) comment(ctx context.Context, c *turn, text string) (Response, error) {
	id := c.sess.StateData["case"]
	c.sess.State = ""
	delete(c.sess.StateData, "case")
	if err := e.cfg.Handoff.Cases.SetFields(ctx, id, map[string]any{"comment": truncate(text, 1000)}); err != nil {
		return Response{}, err
	}
	return Response{Replies: []Reply{{Text: c.texts.CommentThanks}}}, nil
}

// forgetCases ends the citizen's open case (telling the lawyer) and deletes
// all their cases, for /forget.
func (e *Engine) forgetCases(ctx context.Context, c *turn) error {
	cs, err := e.openCase(ctx, c.in.Citizen)
	if err != nil {
		return err
	}
	if cs != nil {
		if _, err := e.endByCitizen(ctx, cs); err != nil {
			return err
		}
	}
	return e.cfg.Handoff.Cases.ForgetCitizen(ctx, c.in.Citizen)
}
