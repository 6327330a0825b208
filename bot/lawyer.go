package bot

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/legalbot/legalbot/handoff"
	"github.com/legalbot/legalbot/store"
)

// This file is the lawyer's side of the handoff: the case card and its Take
// button, the queue, taking, relaying to the citizen, notes, transfers,
// closing, duty, and the timers that escalate unclaimed cases.

// lawyerCommands are the commands only lawyers and supervisors may use.
var lawyerCommands = map[string]bool{
	"queue": true, "take": true, "case": true, "cases": true, "note": true,
	"transfer": true, "close": true, "onduty": true, "offduty": true,
}

// outcomes a lawyer can close a case with, in the order offered.
var outcomes = []string{"resolved", "legal_aid", "mediation", "litigation", "no_response", "other"}

func (e *Engine) outcomeText(t *Texts, o string) string {
	switch o {
	case "resolved":
		return t.OutcomeResolved
	case "legal_aid":
		return t.OutcomeLegalAid
	case "mediation":
		return t.OutcomeMediation
	case "litigation":
		return t.OutcomeLitigation
	case "no_response":
		return t.OutcomeNoResponse
	case "citizen":
		return t.OutcomeCitizen
	}
	return t.OutcomeOther
}

// lawyerTexts are the texts in a lawyer's first language.
func (e *Engine) lawyerTexts(id int64) *Texts {
	if e.cfg.Handoff != nil {
		if l, ok := e.roster().Lawyer(id); ok && len(l.Languages) > 0 {
			return e.cfg.Texts.For(l.Languages[0])
		}
	}
	return e.cfg.Texts.For(e.cfg.DefaultLang)
}

// asLawyer returns the roster entry when the sender is a lawyer.
func (e *Engine) asLawyer(c *turn) (handoff.Lawyer, bool) {
	if !e.handoffOn() {
		return handoff.Lawyer{}, false
	}
	return e.roster().Lawyer(userID(c.in.Citizen))
}

// dispatchLawyer handles what a lawyer sends. It reports false for what is
// not lawyer business (the lawyer may use the FAQ like anyone).
func (e *Engine) dispatchLawyer(ctx context.Context, c *turn, l handoff.Lawyer) (Response, bool, error) {
	c.texts = e.lawyerTexts(l.ID)
	if c.in.Callback != "" {
		prefix, arg, _ := strings.Cut(c.in.Callback, ":")
		switch prefix {
		case "take":
			r, err := e.take(ctx, c, l, arg, true)
			return r, true, err
		case "close":
			id, outcome, _ := strings.Cut(arg, ":")
			r, err := e.closeCase(ctx, c, l, id, outcome)
			return r, true, err
		}
		return Response{}, false, nil
	}
	text := strings.TrimSpace(c.in.Text)
	if strings.HasPrefix(text, "/") {
		name, arg, _ := strings.Cut(text[1:], " ")
		name, _, _ = strings.Cut(strings.ToLower(name), "@")
		arg = strings.TrimSpace(arg)
		var r Response
		var err error
		switch name {
		case "queue":
			r, err = e.showQueue(ctx, c)
		case "take":
			r, err = e.take(ctx, c, l, arg, false)
		case "cases":
			r, err = e.showCases(ctx, c, l)
		case "case":
			r, err = e.switchCase(ctx, c, l, arg)
		case "note":
			r, err = e.note(ctx, c, l, arg)
		case "transfer":
			r, err = e.transfer(ctx, c, l, arg)
		case "close":
			r, err = e.closeCommand(ctx, c, l, arg)
		case "onduty", "offduty":
			r, err = e.duty(ctx, c, l, name == "onduty")
		case "help", "start":
			r = Response{Replies: []Reply{{Text: c.texts.LawyerHelp}}}
		default:
			return Response{}, false, nil
		}
		return r, true, err
	}
	// Plain text or media: to the citizen of the replied-to case, or the current one.
	id := ""
	if c.in.ReplyTo != 0 {
		id, _ = e.cfg.Handoff.Cases.MessageCase(ctx, c.in.Citizen, c.in.ReplyTo)
	}
	if id == "" {
		id, _ = e.cfg.Handoff.Cases.Current(ctx, l.ID)
	}
	cs, err := e.ownCase(ctx, l, id)
	if err != nil || cs == nil {
		return Response{Replies: []Reply{{Text: c.texts.LawyerNoCase}}}, true, err
	}
	if err := e.relayToCitizen(ctx, cs, l, c.in); err != nil {
		e.cfg.Log.Warn("relay to citizen", "case_id", cs.ID, "err", err)
		return Response{Replies: []Reply{{Text: c.texts.RelayFailed}}}, true, nil
	}
	return Response{}, true, nil
}

// ownCase loads a case assigned to the lawyer, or nil.
func (e *Engine) ownCase(ctx context.Context, l handoff.Lawyer, id string) (*store.Case, error) {
	if id == "" {
		return nil, nil
	}
	cs, err := e.cfg.Handoff.Cases.Get(ctx, store.NormalizeCaseID(id))
	if err != nil || cs == nil || cs.Status != store.CaseAssigned || cs.Lawyer != l.ID {
		return nil, err
	}
	return cs, nil
}

func (e *Engine) relayToCitizen(ctx context.Context, cs *store.Case, l handoff.Lawyer, in Incoming) error {
	kind := "text"
	if in.Media {
		kind = "media"
	}
	// Into the transcript first: a transfer that follows at once must carry it.
	if err := e.cfg.Handoff.Cases.Append(ctx, cs.ID, store.TranscriptLine{From: "lawyer:" + strconv.FormatInt(l.ID, 10), Kind: kind, Text: in.Text}); err != nil {
		return err
	}
	ct := e.cfg.Texts.For(cs.Lang)
	if in.Media {
		_, err := e.outbox.Copy(ctx, cs.Citizen, in.Citizen, in.MessageID)
		return err
	}
	_, err := e.outbox.Send(ctx, cs.Citizen, Reply{Text: fill(ct.FromLawyer, "lawyer", l.Name) + in.Text})
	return err
}

// caseCard is what a lawyer reads before taking a case. It holds no name,
// username or phone number of the citizen.
func (e *Engine) caseCard(t *Texts, cs *store.Case) Reply {
	none := t.None
	or := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return none
		}
		return s
	}
	category := none
	if cat, ok := e.cfg.KB.Category(cs.Category); ok {
		category = cat.Name(t.Lang)
	}
	var answered []string
	for _, id := range cs.Answered {
		if en := e.cfg.KB.Entry(id); en != nil {
			answered = append(answered, en.Title(t.Lang))
		}
	}
	turns := none
	if len(cs.Turns) > 0 {
		turns = "- " + strings.Join(cs.Turns, "\n- ")
	}
	if cs.Name != "" {
		// The citizen chose to share their Telegram name.
		turns += "\n" + t.CitizenLabel + ": " + cs.Name
	}
	title := fill(t.LawyerNewCase, "case", cs.ID)
	if cs.Urgency > 0 {
		title += " · " + fill(t.LawyerUrgent, "why", cs.UrgentWhy)
	}
	body := fill(t.LawyerCard, "category", category, "lang", cs.Lang, "region", or(cs.Region),
		"deadline", or(cs.Deadline), "summary", or(cs.Summary), "answered", or(strings.Join(answered, "；")), "turns", turns)
	return Reply{Title: title, Text: body, Buttons: [][]Button{{{Label: t.TakeButton, Data: "take:" + cs.ID}}}}
}

// notifyLawyers sends the case card with a Take button to each lawyer.
func (e *Engine) notifyLawyers(ctx context.Context, cs *store.Case, lawyers []handoff.Lawyer) {
	for _, l := range lawyers {
		to := lawyerAddress(l.ID)
		id, err := e.outbox.Send(ctx, to, e.caseCard(e.lawyerTexts(l.ID), cs))
		if err != nil {
			e.cfg.Log.Warn("notify lawyer", "case_id", cs.ID, "lawyer", l.ID, "err", err)
			continue
		}
		e.cfg.Handoff.Cases.AddNotification(ctx, cs.ID, store.Notification{Chat: to, MessageID: id})
		e.cfg.Handoff.Cases.MapMessage(ctx, to, id, cs.ID)
	}
}

// retireNotifications edits every Take message of a case to say who took
// it (or removes the button when takenBy is "").
func (e *Engine) retireNotifications(ctx context.Context, cs *store.Case, takenBy string) {
	ns, err := e.cfg.Handoff.Cases.TakeNotifications(ctx, cs.ID)
	if err != nil {
		e.cfg.Log.Warn("load notifications", "case_id", cs.ID, "err", err)
	}
	for _, n := range ns {
		t := e.lawyerTexts(userID(n.Chat))
		text := fill(t.LawyerTakenBy, "case", cs.ID, "lawyer", takenBy)
		if takenBy == "" {
			text = fill(t.LawyerClosed, "case", cs.ID, "outcome", t.OutcomeCitizen)
		}
		if err := e.outbox.Edit(ctx, n.Chat, n.MessageID, Reply{Text: text}); err != nil {
			e.cfg.Log.Debug("edit notification", "case_id", cs.ID, "err", err)
		}
	}
}

// take is the Take button or /take C-XXXX. The first lawyer wins; the others
// learn who did.
func (e *Engine) take(ctx context.Context, c *turn, l handoff.Lawyer, id string, button bool) (Response, error) {
	id = store.NormalizeCaseID(id)
	res, owner, err := e.cfg.Handoff.Cases.Take(ctx, id, l.ID, l.Name)
	if err != nil {
		return Response{}, err
	}
	switch res {
	case store.NoSuchCase:
		return e.lawyerSays(button, c.texts.LawyerUnknownCase), nil
	case store.AlreadyTaken:
		name := ""
		if o, ok := e.roster().Lawyer(owner); ok {
			name = o.Name
		}
		if owner == l.ID {
			return e.lawyerSays(button, fill(c.texts.LawyerYouTook, "case", id)), nil
		}
		if owner == 0 {
			return e.lawyerSays(button, c.texts.LawyerUnknownCase), nil
		}
		r := e.lawyerSays(button, fill(c.texts.LawyerAlreadyTaken, "lawyer", name))
		r.ClearButtons = button
		return r, nil
	}
	cs, err := e.cfg.Handoff.Cases.Get(ctx, id)
	if err != nil || cs == nil {
		return Response{}, err
	}
	e.cfg.Handoff.Cases.Append(ctx, id, store.TranscriptLine{From: "lawyer:" + strconv.FormatInt(l.ID, 10), Kind: "event", Text: "taken"})
	e.retireNotifications(ctx, cs, l.Name)
	ct := e.cfg.Texts.For(cs.Lang)
	if _, err := e.outbox.Send(ctx, cs.Citizen, Reply{Text: fill(ct.CaseTakenCitizen, "lawyer", l.Name, "case", id)}); err != nil {
		e.cfg.Log.Warn("tell citizen the case was taken", "case_id", id, "err", err)
	}
	replies := []Reply{{Text: fill(c.texts.LawyerYouTook, "case", id)}}
	if !button {
		card := e.caseCard(c.texts, cs)
		card.Buttons = nil
		replies = append([]Reply{card}, replies...)
	}
	// What the citizen wrote while waiting; files they sent are copied over.
	if lines, _ := e.cfg.Handoff.Cases.Transcript(ctx, id); len(lines) > 0 {
		var waiting []string
		for _, ln := range lines {
			if ln.From != "citizen" {
				continue
			}
			if ln.Kind == "media" && ln.MessageID != 0 {
				if mid, err := e.outbox.Copy(ctx, lawyerAddress(l.ID), cs.Citizen, ln.MessageID); err == nil {
					e.cfg.Handoff.Cases.MapMessage(ctx, lawyerAddress(l.ID), mid, id)
				} else {
					e.cfg.Log.Warn("copy waiting media", "case_id", id, "err", err)
				}
				waiting = append(waiting, "- 📎 "+ln.Text)
			} else if ln.Text != "" {
				waiting = append(waiting, "- "+ln.Text)
			}
		}
		if len(waiting) > 0 {
			replies = append(replies, Reply{Text: "[" + id + "]\n" + strings.Join(waiting, "\n")})
		}
	}
	return Response{Replies: replies}, nil
}

// lawyerSays answers a lawyer as a toast for a button, as a message for a command.
func (e *Engine) lawyerSays(button bool, text string) Response {
	if button {
		return Response{Notice: text}
	}
	return Response{Replies: []Reply{{Text: text}}}
}

func (e *Engine) showQueue(ctx context.Context, c *turn) (Response, error) {
	ids, err := e.cfg.Handoff.Cases.Waiting(ctx, 20)
	if err != nil {
		return Response{}, err
	}
	if len(ids) == 0 {
		return Response{Replies: []Reply{{Text: c.texts.LawyerQueueEmpty}}}, nil
	}
	return Response{Replies: []Reply{e.queueList(ctx, c.texts, c.texts.LawyerQueue, ids)}}, nil
}

func (e *Engine) queueList(ctx context.Context, t *Texts, title string, ids []string) Reply {
	var lines []string
	var rows [][]Button
	now := e.cfg.Now()
	for _, id := range ids {
		cs, err := e.cfg.Handoff.Cases.Get(ctx, id)
		if err != nil || cs == nil {
			continue
		}
		cat := cs.Category
		if c, ok := e.cfg.KB.Category(cs.Category); ok {
			cat = c.Name(t.Lang)
		}
		mark := ""
		if cs.Urgency > 0 {
			mark = "⚠️ "
		}
		lines = append(lines, fmt.Sprintf("%s%s · %s · %s · %dmin", mark, cs.ID, cat, cs.Lang, int(now.Sub(cs.Created).Minutes())))
		rows = append(rows, []Button{{Label: t.TakeButton + " " + cs.ID, Data: "take:" + cs.ID}})
	}
	return Reply{Text: title + "\n" + strings.Join(lines, "\n"), Buttons: rows}
}

func (e *Engine) showCases(ctx context.Context, c *turn, l handoff.Lawyer) (Response, error) {
	ids, err := e.cfg.Handoff.Cases.LawyerCases(ctx, l.ID)
	if err != nil {
		return Response{}, err
	}
	if len(ids) == 0 {
		return Response{Replies: []Reply{{Text: c.texts.LawyerNoCase}}}, nil
	}
	sort.Strings(ids)
	current, _ := e.cfg.Handoff.Cases.Current(ctx, l.ID)
	var lines []string
	for _, id := range ids {
		mark := "  "
		if id == current {
			mark = "▶ "
		}
		lines = append(lines, mark+id)
	}
	return Response{Replies: []Reply{{Text: c.texts.LawyerCases + "\n" + strings.Join(lines, "\n")}}}, nil
}

func (e *Engine) switchCase(ctx context.Context, c *turn, l handoff.Lawyer, id string) (Response, error) {
	cs, err := e.ownCase(ctx, l, id)
	if err != nil {
		return Response{}, err
	}
	if cs == nil {
		return Response{Replies: []Reply{{Text: c.texts.LawyerNotYours}}}, nil
	}
	if err := e.cfg.Handoff.Cases.SetCurrent(ctx, l.ID, cs.ID); err != nil {
		return Response{}, err
	}
	return Response{Replies: []Reply{{Text: fill(c.texts.LawyerSwitched, "case", cs.ID)}}}, nil
}

// currentCase is the case a lawyer's command without a case id is about.
func (e *Engine) currentCase(ctx context.Context, l handoff.Lawyer) (*store.Case, error) {
	id, err := e.cfg.Handoff.Cases.Current(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	return e.ownCase(ctx, l, id)
}

func (e *Engine) note(ctx context.Context, c *turn, l handoff.Lawyer, text string) (Response, error) {
	cs, err := e.currentCase(ctx, l)
	if err != nil || cs == nil {
		return Response{Replies: []Reply{{Text: c.texts.LawyerNoCase}}}, err
	}
	if text == "" {
		return Response{Replies: []Reply{{Text: c.texts.LawyerHelp}}}, nil
	}
	if err := e.cfg.Handoff.Cases.Append(ctx, cs.ID, store.TranscriptLine{From: "note:" + strconv.FormatInt(l.ID, 10), Kind: "note", Text: text}); err != nil {
		return Response{}, err
	}
	return Response{Replies: []Reply{{Text: fill(c.texts.LawyerNoteSaved, "case", cs.ID)}}}, nil
}

// transfer is /transfer C-XXXX <lawyer id | queue>.
func (e *Engine) transfer(ctx context.Context, c *turn, l handoff.Lawyer, arg string) (Response, error) {
	f := strings.Fields(arg)
	if len(f) != 2 {
		return Response{Replies: []Reply{{Text: c.texts.LawyerUsageTransfer}}}, nil
	}
	cs, err := e.ownCase(ctx, l, f[0])
	if err != nil {
		return Response{}, err
	}
	if cs == nil {
		return Response{Replies: []Reply{{Text: c.texts.LawyerNotYours}}}, nil
	}
	if strings.EqualFold(f[1], "queue") {
		ok, err := e.cfg.Handoff.Cases.Requeue(ctx, cs, l.ID, e.cfg.Now().Add(e.roster().ClaimWithin()))
		if err != nil || !ok {
			return Response{Replies: []Reply{{Text: c.texts.LawyerNotYours}}}, err
		}
		e.cfg.Handoff.Cases.Append(ctx, cs.ID, store.TranscriptLine{From: "lawyer:" + strconv.FormatInt(l.ID, 10), Kind: "event", Text: "returned to the queue"})
		cs.Status, cs.Lawyer = store.CaseWaiting, 0
		var others []handoff.Lawyer
		for _, m := range e.matchingOnDuty(ctx, cs.Lang, cs.Category) {
			if m.ID != l.ID {
				others = append(others, m)
			}
		}
		e.notifyLawyers(ctx, cs, others)
		return Response{Replies: []Reply{{Text: fill(c.texts.LawyerRequeued, "case", cs.ID)}}}, nil
	}
	toID, _ := strconv.ParseInt(f[1], 10, 64)
	to, ok := e.roster().Lawyer(toID)
	if !ok || to.ID == l.ID {
		return Response{Replies: []Reply{{Text: c.texts.LawyerUsageTransfer}}}, nil
	}
	if ok, err := e.cfg.Handoff.Cases.Transfer(ctx, cs, l.ID, to.ID, to.Name); err != nil || !ok {
		return Response{Replies: []Reply{{Text: c.texts.LawyerNotYours}}}, err
	}
	e.cfg.Handoff.Cases.Append(ctx, cs.ID, store.TranscriptLine{From: "lawyer:" + strconv.FormatInt(l.ID, 10), Kind: "event", Text: "transferred to " + to.Name})
	// The new lawyer gets the card and the history.
	tt := e.lawyerTexts(to.ID)
	card := e.caseCard(tt, cs)
	card.Buttons = nil
	card.Title = fill(tt.LawyerTransferredIn, "from", l.Name, "case", cs.ID)
	if lines, _ := e.cfg.Handoff.Cases.Transcript(ctx, cs.ID); len(lines) > 0 {
		var hist []string
		for _, ln := range lines {
			if ln.Kind == "text" || ln.Kind == "note" || ln.Kind == "media" {
				hist = append(hist, ln.At.In(e.roster().Location()).Format("01-02 15:04")+" "+who(ln.From, tt)+": "+ln.Text)
			}
		}
		card.Text += "\n\n" + strings.Join(hist, "\n")
	}
	if id, err := e.outbox.Send(ctx, lawyerAddress(to.ID), card); err == nil {
		e.cfg.Handoff.Cases.MapMessage(ctx, lawyerAddress(to.ID), id, cs.ID)
	}
	ct := e.cfg.Texts.For(cs.Lang)
	e.outbox.Send(ctx, cs.Citizen, Reply{Text: fill(ct.CaseTakenCitizen, "lawyer", to.Name, "case", cs.ID)})
	return Response{Replies: []Reply{{Text: fill(c.texts.LawyerTransferred, "case", cs.ID, "lawyer", to.Name)}}}, nil
}

func who(from string, t *Texts) string {
	switch {
	case from == "citizen":
		return t.CitizenLabel
	case strings.HasPrefix(from, "note:"):
		return "📝"
	}
	return "⚖️"
}

// closeCommand is /close <outcome>; without an outcome it offers the choices.
func (e *Engine) closeCommand(ctx context.Context, c *turn, l handoff.Lawyer, arg string) (Response, error) {
	f := strings.Fields(arg)
	var id, outcome string
	switch len(f) {
	case 0:
	case 1:
		if strings.HasPrefix(strings.ToUpper(f[0]), "C-") {
			id = f[0]
		} else {
			outcome = f[0]
		}
	default:
		id, outcome = f[0], f[1]
	}
	if id == "" {
		cs, err := e.currentCase(ctx, l)
		if err != nil || cs == nil {
			return Response{Replies: []Reply{{Text: c.texts.LawyerNoCase}}}, err
		}
		id = cs.ID
	}
	id = store.NormalizeCaseID(id)
	if outcome == "" {
		var rows [][]Button
		for _, o := range outcomes {
			rows = append(rows, []Button{{Label: e.outcomeText(c.texts, o), Data: "close:" + id + ":" + o}})
		}
		return Response{Replies: []Reply{{Text: fill(c.texts.LawyerCloseChoose, "case", id), Buttons: rows}}}, nil
	}
	return e.closeCase(ctx, c, l, id, outcome)
}

func (e *Engine) closeCase(ctx context.Context, c *turn, l handoff.Lawyer, id, outcome string) (Response, error) {
	if !contains(outcomes, outcome) {
		outcome = "other"
	}
	cs, err := e.ownCase(ctx, l, id)
	if err != nil {
		return Response{}, err
	}
	if cs == nil {
		return e.lawyerSays(c.in.Callback != "", c.texts.LawyerNotYours), nil
	}
	ok, err := e.cfg.Handoff.Cases.Close(ctx, cs, l.ID, outcome)
	if err != nil || !ok {
		return e.lawyerSays(c.in.Callback != "", c.texts.LawyerNotYours), err
	}
	e.cfg.Handoff.Cases.Append(ctx, cs.ID, store.TranscriptLine{From: "lawyer:" + strconv.FormatInt(l.ID, 10), Kind: "event", Text: "closed: " + outcome})
	ct := e.cfg.Texts.For(cs.Lang)
	rating := ratingRequest(ct, ct.CaseClosedCitizen, cs.ID)
	rating.Text = fill(ct.CaseClosedCitizen, "case", cs.ID, "outcome", e.outcomeText(ct, outcome))
	if _, err := e.outbox.Send(ctx, cs.Citizen, rating); err != nil {
		e.cfg.Log.Warn("tell citizen the case closed", "case_id", cs.ID, "err", err)
	}
	return Response{ClearButtons: c.in.Callback != "", Replies: []Reply{{Text: fill(c.texts.LawyerClosed, "case", cs.ID, "outcome", e.outcomeText(c.texts, outcome))}}}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// duty is /onduty and /offduty. Coming on duty shows the waiting cases.
func (e *Engine) duty(ctx context.Context, c *turn, l handoff.Lawyer, on bool) (Response, error) {
	if err := e.cfg.Handoff.Cases.SetDuty(ctx, l.ID, on); err != nil {
		return Response{}, err
	}
	if !on {
		return Response{Replies: []Reply{{Text: c.texts.LawyerOffDuty}}}, nil
	}
	r := Response{Replies: []Reply{{Text: c.texts.LawyerOnDuty}}}
	if ids, _ := e.cfg.Handoff.Cases.Waiting(ctx, 20); len(ids) > 0 {
		r.Replies = append(r.Replies, e.queueList(ctx, c.texts, fill(c.texts.LawyerShiftQueue, "count", strconv.Itoa(len(ids))), ids))
	}
	return r, nil
}

// maxEscalations bounds the reminders about one unclaimed case.
const maxEscalations = 3

// Tick fires the handoff's due timers (SLA escalations) and tells lawyers
// who came on duty about waiting cases. Every replica calls it periodically;
// Redis hands each timer to one of them, so each fires once, and timers
// survive restarts.
func (e *Engine) Tick(ctx context.Context) error {
	if !e.handoffOn() {
		return nil
	}
	due, err := e.cfg.Handoff.Cases.Due(ctx, 100)
	if err != nil {
		return fmt.Errorf("handoff timers: %w", err)
	}
	for _, t := range due {
		if id, ok := strings.CutPrefix(t, "sla:"); ok {
			e.escalate(ctx, id)
		}
	}
	e.announceShifts(ctx)
	return nil
}

// escalate re-notifies every on-duty lawyer of an unclaimed case and alerts
// the supervisors.
func (e *Engine) escalate(ctx context.Context, id string) {
	cs, err := e.cfg.Handoff.Cases.Get(ctx, id)
	if err != nil || cs == nil || cs.Status != store.CaseWaiting {
		return
	}
	cs.Escalations++
	e.cfg.Handoff.Cases.SetFields(ctx, id, map[string]any{"escalations": cs.Escalations})
	e.retireNotifications(ctx, cs, "…")
	r := e.roster()
	duty, _ := e.cfg.Handoff.Cases.Duty(ctx)
	all := r.OnDuty(e.cfg.Now(), duty)
	e.notifyLawyers(ctx, cs, r.Match(all, cs.Lang, ""))
	minutes := strconv.Itoa(int(e.cfg.Now().Sub(cs.Created).Minutes()))
	for _, s := range r.Supervisors() {
		t := e.lawyerTexts(s)
		card := e.caseCard(t, cs)
		card.Title = fill(t.LawyerEscalation, "case", id, "minutes", minutes)
		to := lawyerAddress(s)
		if mid, err := e.outbox.Send(ctx, to, card); err == nil {
			e.cfg.Handoff.Cases.AddNotification(ctx, id, store.Notification{Chat: to, MessageID: mid})
		}
	}
	if cs.Escalations < maxEscalations {
		e.cfg.Handoff.Cases.Arm(ctx, "sla:"+id, e.cfg.Now().Add(r.ClaimWithin()))
	}
}

// announceShifts tells each lawyer whose shift has started about the
// waiting cases, once per lawyer and shift hour across replicas.
func (e *Engine) announceShifts(ctx context.Context) {
	ids, err := e.cfg.Handoff.Cases.Waiting(ctx, 20)
	if err != nil || len(ids) == 0 {
		return
	}
	r := e.roster()
	now := e.cfg.Now()
	for _, l := range r.Lawyers() {
		// Scheduled now but not a minute ago: the shift just started.
		if !r.Scheduled(l.ID, now) || r.Scheduled(l.ID, now.Add(-2*time.Minute)) {
			continue
		}
		key := fmt.Sprintf("shift:%d:%s", l.ID, now.In(r.Location()).Format("2006-01-02T15"))
		if first, err := e.cfg.Handoff.Cases.Once(ctx, key, 3*time.Hour); err != nil || !first {
			continue
		}
		t := e.lawyerTexts(l.ID)
		e.outbox.Send(ctx, lawyerAddress(l.ID), e.queueList(ctx, t, fill(t.LawyerShiftQueue, "count", strconv.Itoa(len(ids))), ids))
	}
}

// RunTimers calls Tick every interval until ctx ends.
func (e *Engine) RunTimers(ctx context.Context, interval time.Duration) {
	repeat(ctx, interval, func() {
		if err := e.Tick(ctx); err != nil {
			e.cfg.Log.Warn("handoff tick", "err", err)
		}
	})
}

// repeat calls f every interval until ctx ends.
func repeat(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
