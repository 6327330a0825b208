// Package bot is the conversation engine: what the bot says to a citizen's
// message or button press. It is independent of Telegram — the terminal chat,
// the tests and the Telegram channel all drive the same Engine — and keeps
// nothing in memory between messages: the session lives in the Sessions
// store, so replicas are interchangeable.
package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/store"
)

// Incoming is one thing a citizen did: sent a message or pressed a button.
type Incoming struct {
	// Citizen identifies the citizen across messages, e.g. "tg:12345".
	Citizen string
	// Text is the message text; empty for a button press or a non-text message.
	Text string
	// Callback is the pressed button's data, for a button press.
	Callback string
	// LanguageCode is the client's language (Telegram's language_code), if known.
	LanguageCode string
	// MessageID is the channel's id of the message, for copying it on.
	MessageID int
	// ReplyTo is the id of the message this one replies to, if any.
	ReplyTo int
	// Media marks a photo, document, voice or video message (Text is then
	// its caption); it can be relayed to a lawyer but not searched.
	Media bool
	// DisplayName is how the client names the sender ("Wang (@wang)"). It
	// reaches a lawyer only when the citizen chooses to share it.
	DisplayName string
}

// Reply is one message to send. Text is plain text: channels escape it.
type Reply struct {
	// Title, when set, is shown emphasised above Text.
	Title   string
	Text    string
	Buttons [][]Button
}

// Button is an inline button; Data comes back as Incoming.Callback.
type Button struct {
	Label string
	Data  string
}

// Response is the engine's answer to one Incoming.
type Response struct {
	Replies []Reply
	// Notice is a short acknowledgement of a button press (a toast).
	Notice string
	// ClearButtons asks the channel to remove the pressed message's buttons.
	ClearButtons bool
}

// Sessions is the session store the engine needs.
type Sessions interface {
	Load(ctx context.Context, citizen string) (*store.Session, error)
	Save(ctx context.Context, s *store.Session) error
	Forget(ctx context.Context, citizen string) error
	RecordFeedback(ctx context.Context, citizen, entry string, v store.Vote) (bool, error)
}

var _ Sessions = (*store.Sessions)(nil)

// Config is what the engine is built from.
type Config struct {
	KB       *knowledge.KB
	Searcher knowledge.Searcher
	Policy   knowledge.Policy
	Sessions Sessions
	Texts    *Catalog
	Log      *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DefaultLang is used when neither the citizen nor the client says.
	DefaultLang string
	// MaxTurns caps the turns kept in a session (default 10).
	MaxTurns int
	// FollowUpWindow is how long after a turn a message may continue it (default 30m).
	FollowUpWindow time.Duration
	// Handoff, when set, lets citizens reach the lawyer on duty.
	Handoff *Handoff
	// Statutes, when set, shows the text of cited articles (/law and the
	// citation buttons under an answer).
	Statutes Statutes
	// Signals recognises urgent messages and requests for a person; with
	// Emergency it puts the emergency numbers first even when no lawyers
	// are configured.
	Signals   *Detector
	Emergency []config.EmergencyNumber
}

// Statutes looks up the text of a statute's article.
type Statutes interface {
	Article(law string, n int) (string, bool)
}

// Engine answers citizens. It is safe for concurrent use; messages of one
// citizen must be handled in order by the caller.
type Engine struct {
	cfg      Config
	commands map[string]handlerFunc
	buttons  map[string]handlerFunc
	outbox   Outbox
}

// handlerFunc handles one incoming for the citizen's session. arg is the
// command's argument or the callback data after its prefix.
type handlerFunc func(ctx context.Context, c *turn, arg string) (Response, error)

// turn is the state of handling one Incoming.
type turn struct {
	in      Incoming
	sess    *store.Session
	lang    string
	texts   *Texts
	discard bool // do not save the session (it was deleted)
}

// New returns an engine.
func New(cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxTurns <= 0 {
		cfg.MaxTurns = 10
	}
	if cfg.FollowUpWindow <= 0 {
		cfg.FollowUpWindow = 30 * time.Minute
	}
	if cfg.DefaultLang == "" {
		cfg.DefaultLang = "zh"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg}
	e.routes()
	return e
}

// Handle answers one incoming message or button press. Errors of the
// session store are logged and degrade the answer (nothing remembered), they
// do not silence the bot; the error returned is for the caller's logs and
// comes with a Response that is still worth sending.
func (e *Engine) Handle(ctx context.Context, in Incoming) (Response, error) {
	sess, loadErr := e.cfg.Sessions.Load(ctx, in.Citizen)
	if loadErr != nil {
		e.cfg.Log.Warn("session store unavailable; answering without memory", "err", loadErr)
		sess = &store.Session{Citizen: in.Citizen}
	}
	c := &turn{in: in, sess: sess}
	c.lang = e.language(sess, in)
	c.texts = e.cfg.Texts.For(c.lang)

	resp, err := e.dispatch(ctx, c)
	if err != nil {
		e.cfg.Log.Error("handle message", "err", err)
		resp = Response{Replies: []Reply{{Text: c.texts.Error}}}
	}
	if loadErr == nil && !c.discard {
		if serr := e.cfg.Sessions.Save(ctx, c.sess); serr != nil {
			e.cfg.Log.Warn("save session", "err", serr)
			err = errors.Join(err, serr)
		}
	}
	return resp, errors.Join(loadErr, err)
}

func (e *Engine) dispatch(ctx context.Context, c *turn) (Response, error) {
	if l, ok := e.asLawyer(c); ok {
		if r, handled, err := e.dispatchLawyer(ctx, c, l); handled {
			return r, err
		}
	} else if e.forbidden(c) {
		// Lawyer commands and buttons from anyone else get nothing but this.
		return e.notAvailable(c), nil
	}
	if c.in.Callback != "" {
		prefix, arg, _ := strings.Cut(c.in.Callback, ":")
		if h, ok := e.buttons[prefix]; ok {
			return h(ctx, c, arg)
		}
		return Response{Notice: c.texts.Unavailable}, nil
	}
	text := strings.TrimSpace(c.in.Text)
	isCommand := strings.HasPrefix(text, "/") && !c.in.Media
	if e.handoffOn() && !isCommand {
		if r, handled, err := e.citizenInCase(ctx, c); handled || err != nil {
			return r, err
		}
	}
	if c.in.Media || text == "" {
		return Response{Replies: []Reply{{Text: c.texts.NotText}}}, nil
	}
	if isCommand {
		name, arg, _ := strings.Cut(text[1:], " ")
		name, _, _ = strings.Cut(name, "@") // /help@legalbot in groups
		if h, ok := e.commands[strings.ToLower(name)]; ok {
			return h(ctx, c, strings.TrimSpace(arg))
		}
		return Response{Replies: []Reply{{Text: c.texts.UnknownCommand}}}, nil
	}
	switch c.sess.State {
	case stateIntake:
		if e.handoffOn() {
			return e.intakeText(ctx, c, text)
		}
	case stateComment:
		if e.handoffOn() {
			return e.comment(ctx, c, text)
		}
	}
	return e.ask(ctx, c, text)
}

// forbidden reports a lawyer command or button from someone not on the roster.
func (e *Engine) forbidden(c *turn) bool {
	if c.in.Callback != "" {
		prefix, _, _ := strings.Cut(c.in.Callback, ":")
		return prefix == "take" || prefix == "close"
	}
	text := strings.TrimSpace(c.in.Text)
	if !strings.HasPrefix(text, "/") {
		return false
	}
	name, _, _ := strings.Cut(text[1:], " ")
	name, _, _ = strings.Cut(strings.ToLower(name), "@")
	return lawyerCommands[name]
}

func (e *Engine) notAvailable(c *turn) Response {
	if c.in.Callback != "" {
		return Response{Notice: c.texts.NotAvailable}
	}
	return Response{Replies: []Reply{{Text: c.texts.NotAvailable}}}
}

// language picks the reply language: the citizen's explicit choice, else
// the language the message is written in, else the session's, else the
// client's, else the default.
func (e *Engine) language(s *store.Session, in Incoming) string {
	if s.LangChosen && e.cfg.Texts.Has(s.Lang) {
		return s.Lang
	}
	if in.Callback == "" && !strings.HasPrefix(in.Text, "/") {
		if l := scriptLanguage(in.Text); l != "" {
			s.Lang = l
			return l
		}
	}
	if s.Lang != "" && e.cfg.Texts.Has(s.Lang) {
		return s.Lang
	}
	l := clientLanguage(in.LanguageCode)
	if l == "" || !e.cfg.Texts.Has(l) {
		l = e.cfg.DefaultLang
	}
	s.Lang = l
	return l
}

// scriptLanguage guesses zh or en from the characters of a message, or ""
// when it cannot tell (digits, emoji, very short text).
func scriptLanguage(s string) string {
	var han, latin int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < 0x80 && unicode.IsLetter(r):
			latin++
		}
	}
	switch {
	case han >= 2 && han*3 >= latin:
		return "zh"
	case latin >= 4 && han == 0:
		return "en"
	}
	return ""
}

func clientLanguage(code string) string {
	code = strings.ToLower(code)
	switch {
	case strings.HasPrefix(code, "zh"):
		return "zh"
	case strings.HasPrefix(code, "en"):
		return "en"
	}
	return ""
}

// PolicyOf is the answer / suggest / decline policy a configuration asks for.
func PolicyOf(p config.Policy) knowledge.Policy {
	return knowledge.Policy{AnswerAt: p.Answer, SuggestAt: p.Suggest, Margin: p.Margin, DeclineBelow: p.DeclineBelow}
}
