// Package telegramtest is an in-process fake of the Telegram Bot API for
// tests.
//
// NewServer starts an httptest server on 127.0.0.1 that speaks the Bot API
// wire protocol (POST /bot<TOKEN>/<method> with form-urlencoded, multipart,
// JSON or query parameters; {"ok":…,"result":…} or
// {"ok":false,"error_code":…,"description":…,"parameters":…} responses), so
// code under test talks to it through the real telegram-bot-api client:
//
//	srv := telegramtest.NewServer(t)
//	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint("123:abc", srv.Endpoint())
//
// The fake records every outgoing call (see Sent, Messages, Calls,
// WaitMessages), queues incoming updates for getUpdates long polling
// (PushUpdate) or delivers them to a registered webhook (DeliverWebhook),
// and validates requests the way Telegram does, returning the same error
// codes and descriptions, so tests catch the bugs the real API would reject.
// FailNext injects errors such as 429 flood waits.
//
// Message ids are allocated from one counter shared by all servers in the
// process and by the update builders (TextUpdate, CallbackUpdate, …), so ids
// of incoming and outgoing messages never collide and increase
// monotonically.
//
// # Validation
//
// All 400 errors start with "Bad Request: ":
//
//   - chat_id missing or not numeric: "chat not found";
//   - sendMessage/editMessageText text empty or blank after entity parsing:
//     "message text is empty"; longer than 4096 UTF-16 code units after
//     entity parsing: "message is too long"; captions longer than 1024:
//     "message caption is too long";
//   - parse_mode HTML: see ParseHTML, "can't parse entities: …"; other
//     parse modes than HTML, Markdown and MarkdownV2: "unsupported
//     parse_mode" (Markdown texts are not checked);
//   - inline keyboards: callback_data empty or over 64 bytes:
//     "BUTTON_DATA_INVALID"; a button without action: "can't parse inline
//     keyboard button: Text buttons are unallowed in the inline keyboard";
//     bad button URLs; unparsable reply_markup;
//   - edits: unknown message "message to edit not found", a user's message
//     "message can't be edited", unchanged content and markup "message is
//     not modified: …"; deleteMessage of an unknown message "message to
//     delete not found"; copy/forward of an unknown message "message to
//     copy not found" / "message to forward not found"; reply_to_message_id
//     of an unknown message "message to be replied not found" (unless
//     allow_sending_without_reply);
//   - answerCallbackQuery twice for the same query: "query is too old and
//     response timeout expired or query ID is invalid";
//   - sendChatAction with an unknown action, setMyCommands with invalid
//     commands (BOT_COMMAND_INVALID), sendPhoto/sendDocument with an unknown
//     file_id, getFile with an unknown file_id, setWebhook with an invalid
//     secret_token.
//
// "Known" messages are those sent by the bot through the server and those
// in updates passed to PushUpdate, DeliverWebhook or RegisterUpdate (a
// callback query's message counts as a bot message). Known files are those
// uploaded by the bot, added with AddFile or seen in such updates.
//
// Note that tgbotapi v5.5.1 does not fill Error.Code for requests with file
// uploads (multipart); Message and RetryAfter are still set.
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The bot identity reported by getMe.
const (
	BotID        int64 = 100000
	BotUsername        = "legalbot_test_bot"
	BotFirstName       = "LegalBot"
)

// Limits enforced by the fake, as documented for the Bot API.
const (
	MaxMessageLength      = 4096 // UTF-16 code units of text after entity parsing
	MaxCaptionLength      = 1024 // UTF-16 code units of a caption after entity parsing
	MaxCallbackDataLength = 64   // bytes of an inline button's callback_data
)

// BotUser returns the bot user that getMe reports.
func BotUser() tgbotapi.User {
	return tgbotapi.User{
		ID:                      BotID,
		IsBot:                   true,
		FirstName:               BotFirstName,
		UserName:                BotUsername,
		CanJoinGroups:           true,
		CanReadAllGroupMessages: false,
		SupportsInlineQueries:   false,
	}
}

// implementedMethods lists the Bot API methods the fake implements, with
// Telegram's canonical spelling.
var implementedMethods = []string{
	"getMe",
	"getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
	"sendMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
	"deleteMessage", "forwardMessage", "copyMessage", "sendPhoto", "sendDocument",
	"sendChatAction", "answerCallbackQuery",
	"setMyCommands", "getMyCommands", "deleteMyCommands",
	"getChat", "getFile",
}

// ImplementedMethods returns the names of the Bot API methods the fake
// implements; every other method answers 404 Not Found.
func ImplementedMethods() []string {
	return append([]string(nil), implementedMethods...)
}

var canonicalMethod = func() map[string]string {
	m := make(map[string]string, len(implementedMethods))
	for _, name := range implementedMethods {
		m[strings.ToLower(name)] = name
	}
	return m
}()

// messageMethods are the methods whose successful calls Messages reports.
var messageMethods = map[string]bool{
	"sendMessage": true, "sendPhoto": true, "sendDocument": true,
	"copyMessage": true, "forwardMessage": true,
}

// canonical returns Telegram's spelling of a method name (method names are
// case-insensitive in the Bot API) or name itself when unknown.
func canonical(name string) string {
	if c, ok := canonicalMethod[strings.ToLower(name)]; ok {
		return c
	}
	return name
}

// messageIDs is shared by all servers and the update builders.
var messageIDs atomic.Int64

func nextMessageID() int { return int(messageIDs.Add(1)) }

// Option configures a Server.
type Option func(*options)

type options struct {
	methods []string
	logf    func(format string, args ...any)
}

// WithMethods makes the server implement only the named methods (matched
// case-insensitively); every other method answers 404
// {"ok":false,"error_code":404,"description":"Not Found"}. By default all
// implemented methods (ImplementedMethods) are available. Include "getMe":
// tgbotapi.NewBotAPIWithAPIEndpoint calls it. Naming a method the fake does
// not implement fails the test.
func WithMethods(names ...string) Option {
	return func(o *options) { o.methods = append(o.methods, names...) }
}

// WithLogf sets a function that receives one line per API call, e.g.
// t.Logf. By default the server does not log.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.logf = logf }
}

// Sent is the record of one API call received by the server (getUpdates
// calls are not recorded).
type Sent struct {
	// Method is the method name in Telegram's spelling, e.g. "sendMessage".
	Method string
	// ChatID is the chat_id parameter.
	ChatID int64
	// MessageID is the id of the message the call created (send*, copy,
	// forward) or acted on (edit*, deleteMessage).
	MessageID int
	// Text is the text parameter (or caption for media and copies, the
	// text parameter of answerCallbackQuery, the commands JSON of
	// setMyCommands). For copyMessage/forwardMessage without a caption it is
	// the text or caption of the source message.
	Text string
	// Plain is the text as the user sees it: Text with HTML markup removed
	// and entities decoded. Empty for failed calls.
	Plain string
	// ParseMode is the parse_mode parameter.
	ParseMode string
	// ReplyMarkup is the decoded reply_markup when it is an inline keyboard.
	// Reply keyboards and removals are only in Params["reply_markup"].
	ReplyMarkup *tgbotapi.InlineKeyboardMarkup
	// ReplyTo is reply_to_message_id.
	ReplyTo int
	// FromChatID is from_chat_id (copyMessage, forwardMessage).
	FromChatID int64
	// CopiedMessageID is the source message_id of copyMessage and
	// forwardMessage.
	CopiedMessageID int
	// FileID is the file_id of the photo or document sent by sendPhoto or
	// sendDocument (a new id for uploads, see Server.File).
	FileID string
	// Params holds all request parameters as received. For uploaded files
	// the value is the file name.
	Params url.Values
	// At is when the server received the call.
	At time.Time
	// ErrorCode and Description are the error returned to the client;
	// ErrorCode is 0 for successful calls.
	ErrorCode   int
	Description string
}

// OK reports whether the call succeeded.
func (s Sent) OK() bool { return s.ErrorCode == 0 }

// String formats the call on one line for test failure messages.
func (s Sent) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.At.Format("15:04:05.000"), s.Method)
	if s.ChatID != 0 {
		fmt.Fprintf(&b, " chat=%d", s.ChatID)
	}
	if s.MessageID != 0 {
		fmt.Fprintf(&b, " msg=%d", s.MessageID)
	}
	if s.ReplyTo != 0 {
		fmt.Fprintf(&b, " reply_to=%d", s.ReplyTo)
	}
	if s.FromChatID != 0 || s.CopiedMessageID != 0 {
		fmt.Fprintf(&b, " from=%d/%d", s.FromChatID, s.CopiedMessageID)
	}
	if s.ParseMode != "" {
		fmt.Fprintf(&b, " parse_mode=%s", s.ParseMode)
	}
	if s.Text != "" {
		fmt.Fprintf(&b, " text=%q", truncate(s.Text, 200))
	}
	if s.ReplyMarkup != nil {
		var buttons []string
		for _, row := range s.ReplyMarkup.InlineKeyboard {
			for _, btn := range row {
				switch {
				case btn.CallbackData != nil:
					buttons = append(buttons, fmt.Sprintf("%q→%q", btn.Text, *btn.CallbackData))
				case btn.URL != nil:
					buttons = append(buttons, fmt.Sprintf("%q→%s", btn.Text, *btn.URL))
				default:
					buttons = append(buttons, strconv.Quote(btn.Text))
				}
			}
			buttons = append(buttons, "|")
		}
		if len(buttons) > 0 {
			buttons = buttons[:len(buttons)-1]
		}
		fmt.Fprintf(&b, " keyboard=[%s]", strings.Join(buttons, " "))
	}
	if s.ErrorCode != 0 {
		fmt.Fprintf(&b, " → %d %q", s.ErrorCode, s.Description)
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

type fault struct {
	code       int
	desc       string
	retryAfter int
}

type msgKey struct {
	chat int64
	id   int
}

type storedMessage struct {
	msg     tgbotapi.Message
	fromBot bool
	// placeholder marks a message known only from a callback query: its
	// content is unknown, so content checks are skipped.
	placeholder bool
}

type storedFile struct {
	id       string
	uniqueID string
	path     string
	name     string
	data     []byte
}

type upload struct {
	name string
	data []byte
}

// Server is a fake Telegram Bot API server. All methods are safe for
// concurrent use.
type Server struct {
	srv     *httptest.Server
	logf    func(format string, args ...any)
	enabled map[string]bool

	done      chan struct{}
	closeOnce sync.Once
	hookHTTP  *http.Client

	mu       sync.Mutex
	notify   chan struct{} // closed and replaced on every state change
	calls    []Sent
	faults   map[string][]fault
	messages map[msgKey]*storedMessage
	chats    map[int64]tgbotapi.Chat
	answered map[string]bool
	files    map[string]*storedFile
	fileSeq  int
	commands map[string][]tgbotapi.BotCommand

	// updates (see updates.go)
	queue        []tgbotapi.Update
	lastUpdateID int
	allowed      []string // nil: Telegram's default set
	pollGen      int
	hook         webhook
	notes        []string
}

// NewServer starts a fake Bot API server on 127.0.0.1. It is closed by
// tb.Cleanup; long-polling getUpdates requests still waiting then return
// an empty result.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{
		logf:     o.logf,
		enabled:  make(map[string]bool),
		done:     make(chan struct{}),
		notify:   make(chan struct{}),
		faults:   make(map[string][]fault),
		messages: make(map[msgKey]*storedMessage),
		chats:    make(map[int64]tgbotapi.Chat),
		answered: make(map[string]bool),
		files:    make(map[string]*storedFile),
		commands: make(map[string][]tgbotapi.BotCommand),
	}
	if o.methods == nil {
		o.methods = implementedMethods
	}
	for _, name := range o.methods {
		if c, ok := canonicalMethod[strings.ToLower(name)]; ok {
			s.enabled[c] = true
		} else {
			tb.Fatalf("telegramtest.WithMethods: method %q is not implemented by the fake (implemented: %s)",
				name, strings.Join(implementedMethods, ", "))
		}
	}
	s.hookHTTP = &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			// Webhook targets in tests are httptest servers, possibly with
			// self-signed certificates.
			TLSClientConfig: insecureTLS(),
		},
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("telegramtest: listen: %v", err)
	}
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	tb.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.Close()
		s.hookHTTP.CloseIdleConnections()
	})
}

// URL returns the server's base URL, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.srv.URL }

// Endpoint returns the API endpoint format for
// tgbotapi.NewBotAPIWithAPIEndpoint: "http://127.0.0.1:PORT/bot%s/%s".
func (s *Server) Endpoint() string { return s.srv.URL + "/bot%s/%s" }

// FileEndpoint returns the file download endpoint format,
// "http://127.0.0.1:PORT/file/bot%s/%s", to be used with a token and the
// file_path returned by getFile (the fake's counterpart of
// tgbotapi.FileEndpoint).
func (s *Server) FileEndpoint() string { return s.srv.URL + "/file/bot%s/%s" }

// FailNext makes the next call of method fail with the given error code and
// description instead of being executed. When description is empty a
// Telegram-like one is used ("Too Many Requests: retry after N" for 429,
// "Forbidden: bot was blocked by the user" for 403, …). A retryAfter > 0 is
// returned as parameters.retry_after (tgbotapi.Error.RetryAfter). Several
// faults queued for the same method are applied in order, one per call.
func (s *Server) FailNext(method string, code int, description string, retryAfter int) {
	if code <= 0 {
		code = http.StatusInternalServerError
	}
	if description == "" {
		description = defaultDescription(code, retryAfter)
	}
	key := canonical(method)
	s.mu.Lock()
	s.faults[key] = append(s.faults[key], fault{code: code, desc: description, retryAfter: retryAfter})
	s.mu.Unlock()
}

func defaultDescription(code, retryAfter int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden: bot was blocked by the user"
	case 404:
		return "Not Found"
	case 409:
		return "Conflict"
	case 429:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Error"
}

// Calls returns the recorded calls of method (case-insensitive), including
// failed ones, in order. An empty method returns all recorded calls.
func (s *Server) Calls(method string) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Sent {
	method = canonical(method)
	var out []Sent
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the successful message-creating calls (sendMessage,
// sendPhoto, sendDocument, copyMessage, forwardMessage) in order.
func (s *Server) Messages() []Sent {
	return s.MessagesTo(0)
}

// MessagesTo is like Messages but only returns messages to chatID; chatID 0
// means any chat.
func (s *Server) MessagesTo(chatID int64) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []Sent {
	var out []Sent
	for _, c := range s.calls {
		if c.OK() && messageMethods[c.Method] && (chatID == 0 || c.ChatID == chatID) {
			out = append(out, c)
		}
	}
	return out
}

// WaitMessages waits until at least n messages (as reported by MessagesTo)
// were sent to chatID (0: any chat) and returns all of them. On timeout it
// fails the test with a dump of every recorded call.
func (s *Server) WaitMessages(tb testing.TB, chatID int64, n int, timeout time.Duration) []Sent {
	tb.Helper()
	got := s.waitFor(timeout, n, func() []Sent { return s.messagesLocked(chatID) })
	if len(got) < n {
		where := fmt.Sprintf("chat %d", chatID)
		if chatID == 0 {
			where = "any chat"
		}
		tb.Fatalf("telegramtest: timed out after %v waiting for %d message(s) to %s, got %d\n%s",
			timeout, n, where, len(got), s.Dump())
	}
	return got
}

// WaitCalls waits until method was called at least n times (failed calls
// included, as reported by Calls) and returns those calls. On timeout it
// fails the test with a dump of every recorded call.
func (s *Server) WaitCalls(tb testing.TB, method string, n int, timeout time.Duration) []Sent {
	tb.Helper()
	got := s.waitFor(timeout, n, func() []Sent { return s.callsLocked(method) })
	if len(got) < n {
		tb.Fatalf("telegramtest: timed out after %v waiting for %d %s call(s), got %d\n%s",
			timeout, n, canonical(method), len(got), s.Dump())
	}
	return got
}

func (s *Server) waitFor(timeout time.Duration, n int, get func() []Sent) []Sent {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got := get()
		ch := s.notify
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-timer.C:
			s.mu.Lock()
			defer s.mu.Unlock()
			return get()
		case <-s.done:
			s.mu.Lock()
			defer s.mu.Unlock()
			return get()
		}
	}
}

// Dump describes the server state for test failure messages: every recorded
// call, pending updates, the webhook and notes such as updates dropped
// because of allowed_updates.
func (s *Server) Dump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "telegramtest: %d recorded call(s):\n", len(s.calls))
	for i, c := range s.calls {
		fmt.Fprintf(&b, "  #%d %s\n", i+1, c)
	}
	fmt.Fprintf(&b, "telegramtest: %d pending update(s)", len(s.queue))
	for _, u := range s.queue {
		fmt.Fprintf(&b, " %d(%s)", u.UpdateID, updateType(&u))
	}
	b.WriteString("\n")
	if s.hook.url != "" {
		fmt.Fprintf(&b, "telegramtest: webhook %s\n", s.hook.url)
	}
	for _, k := range sortedKeys(s.faults) {
		fmt.Fprintf(&b, "telegramtest: %d queued fault(s) for %s\n", len(s.faults[k]), k)
	}
	for _, n := range s.notes {
		fmt.Fprintf(&b, "telegramtest: %s\n", n)
	}
	return b.String()
}

// Reset forgets the recorded calls (and the notes shown by Dump). Pending
// updates, known messages, files, commands, the webhook and queued faults
// are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	s.calls = nil
	s.notes = nil
	s.broadcastLocked()
	s.mu.Unlock()
}

// AddFile makes a file available to getFile and to downloads from
// FileEndpoint, e.g. the file_id used in PhotoUpdate or DocumentUpdate.
func (s *Server) AddFile(fileID string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fileLocked(fileID, "")
	f.data = append([]byte(nil), data...)
}

// File returns the content of a file uploaded by the bot (see Sent.FileID)
// or added with AddFile.
func (s *Server) File(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), f.data...), true
}

func (s *Server) fileLocked(fileID, name string) *storedFile {
	if f, ok := s.files[fileID]; ok {
		return f
	}
	s.fileSeq++
	dir := "documents"
	if strings.HasPrefix(name, "photo") {
		dir = "photos"
	}
	base := fmt.Sprintf("file_%d", s.fileSeq)
	if ext := path.Ext(name); ext != "" {
		base += ext
	}
	f := &storedFile{
		id:       fileID,
		uniqueID: fmt.Sprintf("AgADunique%d", s.fileSeq),
		path:     dir + "/" + base,
		name:     name,
	}
	s.files[fileID] = f
	return f
}

// Message returns the current state of a message the server knows about:
// one sent by the bot (as edited since) or one from an update pushed or
// delivered through the server.
func (s *Server) Message(chatID int64, messageID int) (tgbotapi.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.messages[msgKey{chatID, messageID}]
	if !ok {
		return tgbotapi.Message{}, false
	}
	return st.msg, true
}

// MyCommands returns the commands registered with setMyCommands for a scope
// (nil: the default scope) and language code.
func (s *Server) MyCommands(scope *tgbotapi.BotCommandScope, languageCode string) []tgbotapi.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := commandsKey(scope, languageCode)
	return append([]tgbotapi.BotCommand(nil), s.commands[key]...)
}

func commandsKey(scope *tgbotapi.BotCommandScope, lang string) string {
	sc := tgbotapi.BotCommandScope{Type: "default"}
	if scope != nil && scope.Type != "" {
		sc = *scope
	}
	return fmt.Sprintf("%s/%d/%d/%s", sc.Type, sc.ChatID, sc.UserID, lang)
}

func (s *Server) broadcastLocked() {
	close(s.notify)
	s.notify = make(chan struct{})
}

// ---------------------------------------------------------------------------
// HTTP layer

type apiResult struct {
	result     any
	desc       string // description of a successful result (e.g. "Webhook was set")
	code       int    // error code, 0 on success
	errDesc    string
	retryAfter int
}

func ok(result any) apiResult { return apiResult{result: result} }

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encoding result: %v", err))
	}
	return b
}

func apiError(code int, desc string) apiResult { return apiResult{code: code, errDesc: desc} }

func badRequest(desc string) apiResult { return apiError(400, "Bad Request: "+desc) }

var notFound = apiError(404, "Not Found")

// ServeHTTP implements the Bot API endpoints (/bot<TOKEN>/<method>, any
// token) and file downloads (/file/bot<TOKEN>/<file_path>).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r)
		return
	}
	rest, found := strings.CutPrefix(r.URL.Path, "/bot")
	slash := strings.LastIndexByte(rest, '/')
	if !found || slash <= 0 || slash == len(rest)-1 {
		writeResult(w, notFound)
		return
	}
	method := rest[slash+1:]
	params, files, err := readParams(r)
	if err != nil {
		writeResult(w, badRequest(err.Error()))
		return
	}
	writeResult(w, s.call(r.Context(), method, params, files))
}

func writeResult(w http.ResponseWriter, res apiResult) {
	type parameters struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
	type response struct {
		OK          bool        `json:"ok"`
		Result      any         `json:"result,omitempty"`
		ErrorCode   int         `json:"error_code,omitempty"`
		Description string      `json:"description,omitempty"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}
	resp := response{OK: res.code == 0}
	status := http.StatusOK
	if res.code == 0 {
		resp.Result = res.result
		resp.Description = res.desc
	} else {
		status = res.code
		resp.ErrorCode = res.code
		resp.Description = res.errDesc
		if res.retryAfter > 0 {
			resp.Parameters = &parameters{RetryAfter: res.retryAfter}
		}
	}
	body, err := json.Marshal(resp)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error: ` + strings.ReplaceAll(err.Error(), `"`, `'`) + `"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// readParams collects the request parameters from the query string and a
// form-urlencoded, multipart or JSON body.
func readParams(r *http.Request) (url.Values, map[string]upload, error) {
	params := url.Values{}
	for k, v := range r.URL.Query() {
		params[k] = v
	}
	files := map[string]upload{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, nil, err
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, nil, fmt.Errorf("can't parse request body: %v", err)
		}
		for k, v := range form {
			params[k] = v
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			return nil, nil, fmt.Errorf("can't parse multipart request: %v", err)
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			files[k] = upload{name: fhs[0].Filename, data: data}
			params.Set(k, fhs[0].Filename)
		}
	case "application/json":
		var obj map[string]json.RawMessage
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&obj); err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("can't parse JSON object")
		}
		if err := jsonToValues(obj, params); err != nil {
			return nil, nil, err
		}
	}
	return params, files, nil
}

func jsonToValues(obj map[string]json.RawMessage, into url.Values) error {
	for k, raw := range obj {
		var str string
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &str); err != nil {
				return fmt.Errorf("can't parse JSON object")
			}
		} else {
			str = string(raw)
		}
		into.Set(k, str)
	}
	return nil
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/file/bot")
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		http.NotFound(w, r)
		return
	}
	filePath := rest[slash+1:]
	s.mu.Lock()
	var data []byte
	found := false
	for _, f := range s.files {
		if f.path == filePath {
			data, found = f.data, true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// call executes one API method and records it.
func (s *Server) call(ctx context.Context, method string, params url.Values, files map[string]upload) apiResult {
	name := canonical(method)
	rec := Sent{
		Method:    name,
		Params:    params,
		At:        time.Now(),
		ParseMode: params.Get("parse_mode"),
		ReplyTo:   atoi(params.Get("reply_to_message_id")),
		MessageID: atoi(params.Get("message_id")),
	}
	rec.ChatID, _ = strconv.ParseInt(params.Get("chat_id"), 10, 64)
	rec.FromChatID, _ = strconv.ParseInt(params.Get("from_chat_id"), 10, 64)
	switch {
	case params.Has("text"):
		rec.Text = params.Get("text")
	case params.Has("caption"):
		rec.Text = params.Get("caption")
	}

	var res apiResult
	if name == "getUpdates" {
		// getUpdates blocks and manages the lock itself; it is not recorded.
		if !s.enabled[name] {
			res = notFound
		} else if f, faulted := s.popFault(name); faulted {
			res = f
		} else {
			res = s.getUpdates(ctx, params)
		}
		s.log(rec, res)
		return res
	}

	s.mu.Lock()
	if !s.enabled[name] {
		res = notFound
	} else if f, faulted := s.popFaultLocked(name); faulted {
		res = f
	} else {
		c := &request{ctx: ctx, params: params, files: files, rec: &rec}
		res = s.handle(name, c)
	}
	rec.ErrorCode = res.code
	rec.Description = res.errDesc
	if res.code != 0 {
		rec.Plain = ""
	} else {
		// Encode while holding the lock: results share pointers with the
		// stored messages.
		res.result = rawJSON(res.result)
	}
	s.calls = append(s.calls, rec)
	s.broadcastLocked()
	s.mu.Unlock()
	s.log(rec, res)
	return res
}

func (s *Server) log(rec Sent, res apiResult) {
	if s.logf == nil {
		return
	}
	if res.code != 0 {
		s.logf("telegramtest: %s %s → %d %s", rec.Method, rec.Params.Encode(), res.code, res.errDesc)
		return
	}
	s.logf("telegramtest: %s %s → ok", rec.Method, rec.Params.Encode())
}

func (s *Server) popFault(name string) (apiResult, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.popFaultLocked(name)
}

func (s *Server) popFaultLocked(name string) (apiResult, bool) {
	q := s.faults[name]
	if len(q) == 0 {
		return apiResult{}, false
	}
	f := q[0]
	if len(q) == 1 {
		delete(s.faults, name)
	} else {
		s.faults[name] = q[1:]
	}
	return apiResult{code: f.code, errDesc: f.desc, retryAfter: f.retryAfter}, true
}

type request struct {
	ctx    context.Context
	params url.Values
	files  map[string]upload
	rec    *Sent
}

func (r *request) get(key string) string { return r.params.Get(key) }

func (r *request) flag(key string) bool {
	v, _ := strconv.ParseBool(r.params.Get(key))
	return v
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// handle dispatches an implemented method; s.mu is held.
func (s *Server) handle(name string, c *request) apiResult {
	switch name {
	case "getMe":
		return ok(BotUser())
	case "setWebhook":
		return s.setWebhook(c)
	case "deleteWebhook":
		return s.deleteWebhook(c)
	case "getWebhookInfo":
		return s.getWebhookInfo()
	case "sendMessage":
		return s.sendMessage(c)
	case "editMessageText":
		return s.editMessageText(c)
	case "editMessageCaption":
		return s.editMessageCaption(c)
	case "editMessageReplyMarkup":
		return s.editMessageReplyMarkup(c)
	case "deleteMessage":
		return s.deleteMessage(c)
	case "forwardMessage":
		return s.copyOrForward(c, true)
	case "copyMessage":
		return s.copyOrForward(c, false)
	case "sendPhoto":
		return s.sendMedia(c, "photo")
	case "sendDocument":
		return s.sendMedia(c, "document")
	case "sendChatAction":
		return s.sendChatAction(c)
	case "answerCallbackQuery":
		return s.answerCallbackQuery(c)
	case "setMyCommands":
		return s.setMyCommands(c)
	case "getMyCommands":
		return s.getMyCommands(c)
	case "deleteMyCommands":
		return s.deleteMyCommands(c)
	case "getChat":
		return s.getChat(c)
	case "getFile":
		return s.getFile(c)
	}
	return notFound
}

// ---------------------------------------------------------------------------
// Validation helpers

// chatID parses the required chat_id parameter.
func (s *Server) chatID(c *request, key string) (int64, *apiResult) {
	v := c.get(key)
	id, err := strconv.ParseInt(v, 10, 64)
	if v == "" || err != nil || id == 0 {
		r := badRequest("chat not found")
		return 0, &r
	}
	return id, nil
}

func chatType(id int64) string {
	switch {
	case id > 0:
		return "private"
	case id <= -1000000000000:
		return "supergroup"
	default:
		return "group"
	}
}

func (s *Server) chatLocked(id int64) tgbotapi.Chat {
	if ch, ok := s.chats[id]; ok {
		return ch
	}
	return tgbotapi.Chat{ID: id, Type: chatType(id)}
}

// formatText validates a text or caption and returns what the user sees.
func formatText(text, parseMode, entitiesJSON string, caption bool) (string, []tgbotapi.MessageEntity, *apiResult) {
	fail := func(desc string) (string, []tgbotapi.MessageEntity, *apiResult) {
		r := badRequest(desc)
		return "", nil, &r
	}
	if !utf8.ValidString(text) {
		if caption {
			return fail("caption must be encoded in UTF-8")
		}
		return fail("text must be encoded in UTF-8")
	}
	plain, entities := text, []tgbotapi.MessageEntity(nil)
	switch strings.ToLower(parseMode) {
	case "":
		if entitiesJSON != "" && entitiesJSON != "null" {
			if err := json.Unmarshal([]byte(entitiesJSON), &entities); err != nil {
				return fail("can't parse entities JSON object")
			}
		}
	case "html":
		var err error
		plain, entities, err = ParseHTML(text)
		if err != nil {
			msg := err.Error()
			return fail("can't parse entities: " + strings.ToUpper(msg[:1]) + msg[1:])
		}
	case "markdown", "markdownv2":
		// Not validated.
	default:
		return fail("unsupported parse_mode")
	}
	n := UTF16Len(plain)
	if caption {
		if n > MaxCaptionLength {
			return fail("message caption is too long")
		}
		return plain, entities, nil
	}
	if strings.TrimSpace(plain) == "" {
		return fail("message text is empty")
	}
	if n > MaxMessageLength {
		return fail("message is too long")
	}
	return plain, entities, nil
}

// parseReplyMarkup validates reply_markup. It returns the inline keyboard if
// the markup is one (reply keyboards and removals give nil).
func parseReplyMarkup(raw string) (*tgbotapi.InlineKeyboardMarkup, *apiResult) {
	if raw == "" || raw == "null" {
		return nil, nil
	}
	fail := func(desc string) (*tgbotapi.InlineKeyboardMarkup, *apiResult) {
		r := badRequest(desc)
		return nil, &r
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		return fail("can't parse reply keyboard markup JSON object")
	}
	kb, isInline := obj["inline_keyboard"]
	if !isInline {
		for _, k := range []string{"keyboard", "remove_keyboard", "force_reply"} {
			if _, found := obj[k]; found {
				return nil, nil
			}
		}
		return fail("can't parse reply keyboard markup JSON object")
	}
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(kb, &rows); err != nil {
		return fail("can't parse inline keyboard button: field \"inline_keyboard\" must be an Array of Arrays")
	}
	actions := []string{"url", "callback_data", "login_url", "switch_inline_query",
		"switch_inline_query_current_chat", "callback_game", "pay", "web_app", "copy_text"}
	for _, row := range rows {
		for _, btn := range row {
			var text string
			if err := json.Unmarshal(btn["text"], &text); err != nil {
				return fail("can't parse inline keyboard button: Field \"text\" must be of type String")
			}
			hasAction := false
			for _, a := range actions {
				if v, found := btn[a]; found && string(v) != "null" && string(v) != "false" {
					hasAction = true
				}
			}
			if !hasAction {
				return fail("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			if v, found := btn["callback_data"]; found && string(v) != "null" {
				var data string
				if err := json.Unmarshal(v, &data); err != nil {
					return fail("can't parse inline keyboard button: Field \"callback_data\" must be of type String")
				}
				if data == "" || len(data) > MaxCallbackDataLength {
					return fail("BUTTON_DATA_INVALID")
				}
			}
			if v, found := btn["url"]; found && string(v) != "null" {
				var link string
				if err := json.Unmarshal(v, &link); err != nil {
					return fail("can't parse inline keyboard button: Field \"url\" must be of type String")
				}
				u, err := url.Parse(link)
				if err != nil || !(u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "tg") || (u.Scheme != "tg" && u.Host == "") {
					return fail(fmt.Sprintf("inline keyboard button URL '%s' is invalid: Wrong HTTP URL", link))
				}
			}
		}
	}
	var markup tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &markup); err != nil {
		return fail("can't parse reply keyboard markup JSON object")
	}
	return &markup, nil
}

// shownMarkup is the reply_markup Telegram returns in a Message: only
// non-empty inline keyboards.
func shownMarkup(m *tgbotapi.InlineKeyboardMarkup) *tgbotapi.InlineKeyboardMarkup {
	if m == nil || len(m.InlineKeyboard) == 0 {
		return nil
	}
	return m
}

func (s *Server) newMessageLocked(chatID int64) *tgbotapi.Message {
	bot := BotUser()
	chat := s.chatLocked(chatID)
	return &tgbotapi.Message{
		MessageID: nextMessageID(),
		From:      &bot,
		Date:      int(time.Now().Unix()),
		Chat:      &chat,
	}
}

func (s *Server) storeLocked(m *tgbotapi.Message, fromBot bool) {
	s.messages[msgKey{m.Chat.ID, m.MessageID}] = &storedMessage{msg: *m, fromBot: fromBot}
}

// replyTarget resolves reply_to_message_id.
func (s *Server) replyTarget(c *request, chatID int64) (*tgbotapi.Message, *apiResult) {
	id := atoi(c.get("reply_to_message_id"))
	if id == 0 {
		return nil, nil
	}
	st, found := s.messages[msgKey{chatID, id}]
	if !found {
		if c.flag("allow_sending_without_reply") {
			return nil, nil
		}
		r := badRequest("message to be replied not found")
		return nil, &r
	}
	m := st.msg
	m.ReplyToMessage = nil
	return &m, nil
}

// editTarget resolves chat_id/message_id of an edit.
func (s *Server) editTarget(c *request) (*storedMessage, *apiResult) {
	chatID, errRes := s.chatID(c, "chat_id")
	if errRes != nil {
		return nil, errRes
	}
	c.rec.ChatID = chatID
	id := atoi(c.get("message_id"))
	if id == 0 {
		r := badRequest("message identifier is not specified")
		return nil, &r
	}
	st, found := s.messages[msgKey{chatID, id}]
	if !found {
		r := badRequest("message to edit not found")
		return nil, &r
	}
	if !st.fromBot {
		r := badRequest("message can't be edited")
		return nil, &r
	}
	return st, nil
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

// ---------------------------------------------------------------------------
// Methods

func (s *Server) sendMessage(c *request) apiResult {
	chatID, errRes := s.chatID(c, "chat_id")
	if errRes != nil {
		return *errRes
	}
	plain, entities, errRes := formatText(c.get("text"), c.get("parse_mode"), c.get("entities"), false)
	if errRes != nil {
		return *errRes
	}
	markup, errRes := parseReplyMarkup(c.get("reply_markup"))
	if errRes != nil {
		return *errRes
	}
	reply, errRes := s.replyTarget(c, chatID)
	if errRes != nil {
		return *errRes
	}
	m := s.newMessageLocked(chatID)
	m.Text = plain
	m.Entities = entities
	m.ReplyMarkup = shownMarkup(markup)
	m.ReplyToMessage = reply
	s.storeLocked(m, true)
	c.rec.MessageID = m.MessageID
	c.rec.ReplyMarkup = markup
	c.rec.Plain = plain
	return ok(m)
}

func (s *Server) editMessageText(c *request) apiResult {
	inline := c.get("inline_message_id") != ""
	var st *storedMessage
	if !inline {
		var errRes *apiResult
		if st, errRes = s.editTarget(c); errRes != nil {
			return *errRes
		}
		if !st.placeholder && st.msg.Text == "" {
			return badRequest("there is no text in the message to edit")
		}
	}
	plain, entities, errRes := formatText(c.get("text"), c.get("parse_mode"), c.get("entities"), false)
	if errRes != nil {
		return *errRes
	}
	markup, errRes := parseReplyMarkup(c.get("reply_markup"))
	if errRes != nil {
		return *errRes
	}
	c.rec.ReplyMarkup = markup
	c.rec.Plain = plain
	if inline {
		return ok(true)
	}
	newMarkup := shownMarkup(markup)
	if !st.placeholder && st.msg.Text == plain && sameJSON(st.msg.Entities, entities) && sameJSON(st.msg.ReplyMarkup, newMarkup) {
		return badRequest(notModified)
	}
	st.placeholder = false
	st.msg.Text = plain
	st.msg.Entities = entities
	st.msg.ReplyMarkup = newMarkup
	st.msg.EditDate = int(time.Now().Unix())
	return ok(st.msg)
}

func (s *Server) editMessageCaption(c *request) apiResult {
	inline := c.get("inline_message_id") != ""
	var st *storedMessage
	if !inline {
		var errRes *apiResult
		if st, errRes = s.editTarget(c); errRes != nil {
			return *errRes
		}
		if !st.placeholder && st.msg.Photo == nil && st.msg.Document == nil {
			return badRequest("there is no caption in the message to edit")
		}
	}
	plain, entities, errRes := formatText(c.get("caption"), c.get("parse_mode"), c.get("caption_entities"), true)
	if errRes != nil {
		return *errRes
	}
	markup, errRes := parseReplyMarkup(c.get("reply_markup"))
	if errRes != nil {
		return *errRes
	}
	c.rec.ReplyMarkup = markup
	c.rec.Plain = plain
	if inline {
		return ok(true)
	}
	newMarkup := shownMarkup(markup)
	if !st.placeholder && st.msg.Caption == plain && sameJSON(st.msg.CaptionEntities, entities) && sameJSON(st.msg.ReplyMarkup, newMarkup) {
		return badRequest(notModified)
	}
	st.placeholder = false
	st.msg.Caption = plain
	st.msg.CaptionEntities = entities
	st.msg.ReplyMarkup = newMarkup
	st.msg.EditDate = int(time.Now().Unix())
	return ok(st.msg)
}

func (s *Server) editMessageReplyMarkup(c *request) apiResult {
	inline := c.get("inline_message_id") != ""
	var st *storedMessage
	if !inline {
		var errRes *apiResult
		if st, errRes = s.editTarget(c); errRes != nil {
			return *errRes
		}
	}
	markup, errRes := parseReplyMarkup(c.get("reply_markup"))
	if errRes != nil {
		return *errRes
	}
	c.rec.ReplyMarkup = markup
	if inline {
		return ok(true)
	}
	newMarkup := shownMarkup(markup)
	if !st.placeholder && sameJSON(st.msg.ReplyMarkup, newMarkup) {
		return badRequest(notModified)
	}
	st.msg.ReplyMarkup = newMarkup
	st.msg.EditDate = int(time.Now().Unix())
	return ok(st.msg)
}

func (s *Server) deleteMessage(c *request) apiResult {
	chatID, errRes := s.chatID(c, "chat_id")
	if errRes != nil {
		return *errRes
	}
	id := atoi(c.get("message_id"))
	if id == 0 {
		return badRequest("message identifier is not specified")
	}
	key := msgKey{chatID, id}
	if _, found := s.messages[key]; !found {
		return badRequest("message to delete not found")
	}
	delete(s.messages, key)
	return ok(true)
}

func (s *Server) copyOrForward(c *request, forward bool) apiResult {
	chatID, errRes := s.chatID(c, "chat_id")
	if errRes != nil {
		return *errRes
	}
	fromID, errRes := s.chatID(c, "from_chat_id")
	if errRes != nil {
		return *errRes
	}
	srcID := atoi(c.get("message_id"))
	c.rec.CopiedMessageID = srcID
	c.rec.MessageID = 0
	what := "copy"
	if forward {
		what = "forward"
	}
	if srcID == 0 {
		return badRequest("message identifier is not specified")
	}
	st, found := s.messages[msgKey{fromID, srcID}]
	if !found {
		return badRequest("message to " + what + " not found")
	}
	src := st.msg
	m := s.newMessageLocked(chatID)
	m.Text, m.Entities = src.Text, src.Entities
	m.Photo, m.Document = src.Photo, src.Document
	m.Caption, m.CaptionEntities = src.Caption, src.CaptionEntities

	var markup *tgbotapi.InlineKeyboardMarkup
	if forward {
		date := src.Date
		m.ForwardDate = date
		if src.From != nil && src.Chat != nil && src.Chat.Type == "private" {
			m.ForwardFrom = src.From
		} else {
			m.ForwardFromChat = src.Chat
			m.ForwardFromMessageID = src.MessageID
		}
		c.rec.Text = firstNonEmpty(src.Text, src.Caption)
		c.rec.Plain = c.rec.Text
	} else {
		if c.params.Has("caption") && (src.Photo != nil || src.Document != nil) {
			plain, entities, errRes := formatText(c.get("caption"), c.get("parse_mode"), c.get("caption_entities"), true)
			if errRes != nil {
				return *errRes
			}
			m.Caption, m.CaptionEntities = plain, entities
		}
		markup, errRes = parseReplyMarkup(c.get("reply_markup"))
		if errRes != nil {
			return *errRes
		}
		reply, errRes := s.replyTarget(c, chatID)
		if errRes != nil {
			return *errRes
		}
		m.ReplyToMessage = reply
		m.ReplyMarkup = shownMarkup(markup)
		if c.rec.Text == "" {
			c.rec.Text = firstNonEmpty(src.Text, src.Caption)
		}
		c.rec.Plain = firstNonEmpty(m.Text, m.Caption)
	}
	s.storeLocked(m, true)
	c.rec.MessageID = m.MessageID
	c.rec.ReplyMarkup = markup
	if forward {
		return ok(m)
	}
	return ok(tgbotapi.MessageID{MessageID: m.MessageID})
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) sendMedia(c *request, kind string) apiResult {
	chatID, errRes := s.chatID(c, "chat_id")
	if errRes != nil {
		return *errRes
	}
	up, uploaded := c.files[kind]
	ref := c.get(kind)
	if !uploaded && ref == "" {
		return badRequest("there is no " + kind + " in the request")
	}
	plain, entities, errRes := formatText(c.get("caption"), c.get("parse_mode"), c.get("caption_entities"), true)
	if errRes != nil {
		return *errRes
	}
	markup, errRes := parseReplyMarkup(c.get("reply_markup"))
	if errRes != nil {
		return *errRes
	}
	reply, errRes := s.replyTarget(c, chatID)
	if errRes != nil {
		return *errRes
	}

	var f *storedFile
	name := ""
	switch {
	case uploaded:
		s.fileSeq++
		id := fmt.Sprintf("BQACAgIAAx-%s-%d-%d", kind, BotID, s.fileSeq)
		name = up.name
		f = s.fileLocked(id, kind+path.Ext(up.name))
		f.name = up.name
		f.data = up.data
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		s.fileSeq++
		id := fmt.Sprintf("BQACAgIAAx-%s-%d-url%d", kind, BotID, s.fileSeq)
		name = path.Base(ref)
		f = s.fileLocked(id, kind+path.Ext(name))
		f.name = name
	default:
		known, found := s.files[ref]
		if !found {
			return badRequest("wrong file identifier/HTTP URL specified")
		}
		f = known
		name = f.name
	}

	m := s.newMessageLocked(chatID)
	m.Caption, m.CaptionEntities = plain, entities
	m.ReplyMarkup = shownMarkup(markup)
	m.ReplyToMessage = reply
	if kind == "photo" {
		m.Photo = []tgbotapi.PhotoSize{
			{FileID: f.id + "-thumb", FileUniqueID: f.uniqueID + "t", Width: 90, Height: 68},
			{FileID: f.id, FileUniqueID: f.uniqueID, Width: 1280, Height: 960, FileSize: len(f.data)},
		}
	} else {
		if name == "" {
			name = "document"
		}
		m.Document = &tgbotapi.Document{
			FileID:       f.id,
			FileUniqueID: f.uniqueID,
			FileName:     name,
			MimeType:     mimeType(name),
			FileSize:     len(f.data),
		}
	}
	s.storeLocked(m, true)
	c.rec.MessageID = m.MessageID
	c.rec.ReplyMarkup = markup
	c.rec.Plain = plain
	c.rec.FileID = f.id
	return ok(m)
}

func mimeType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true,
	"choose_sticker": true, "find_location": true, "record_video_note": true,
	"upload_video_note": true,
}

func (s *Server) sendChatAction(c *request) apiResult {
	if _, errRes := s.chatID(c, "chat_id"); errRes != nil {
		return *errRes
	}
	if !chatActions[c.get("action")] {
		return badRequest("wrong parameter action in request")
	}
	c.rec.Text = c.get("action")
	return ok(true)
}

func (s *Server) answerCallbackQuery(c *request) apiResult {
	id := c.get("callback_query_id")
	if id == "" || s.answered[id] {
		return badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	if UTF16Len(c.get("text")) > 200 {
		return badRequest("MESSAGE_TOO_LONG")
	}
	s.answered[id] = true
	return ok(true)
}

func parseScope(raw string) (*tgbotapi.BotCommandScope, *apiResult) {
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var sc tgbotapi.BotCommandScope
	if err := json.Unmarshal([]byte(raw), &sc); err != nil || sc.Type == "" {
		r := badRequest("can't parse BotCommandScope JSON object")
		return nil, &r
	}
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
	case "chat", "chat_administrators", "chat_member":
		if sc.ChatID == 0 {
			r := badRequest("chat not found")
			return nil, &r
		}
	default:
		r := badRequest("wrong BotCommandScope type specified")
		return nil, &r
	}
	return &sc, nil
}

func (s *Server) setMyCommands(c *request) apiResult {
	var cmds []tgbotapi.BotCommand
	if err := json.Unmarshal([]byte(c.get("commands")), &cmds); err != nil {
		return badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return badRequest("too many commands specified")
	}
	for _, cmd := range cmds {
		if !validCommand(cmd.Command) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := UTF16Len(strings.TrimSpace(cmd.Description)); n < 1 || n > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	scope, errRes := parseScope(c.get("scope"))
	if errRes != nil {
		return *errRes
	}
	c.rec.Text = c.get("commands")
	key := commandsKey(scope, c.get("language_code"))
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	return ok(true)
}

func validCommand(cmd string) bool {
	if len(cmd) < 1 || len(cmd) > 32 {
		return false
	}
	for _, ch := range []byte(cmd) {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_') {
			return false
		}
	}
	return true
}

func (s *Server) getMyCommands(c *request) apiResult {
	scope, errRes := parseScope(c.get("scope"))
	if errRes != nil {
		return *errRes
	}
	cmds := s.commands[commandsKey(scope, c.get("language_code"))]
	if cmds == nil {
		cmds = []tgbotapi.BotCommand{}
	}
	return ok(cmds)
}

func (s *Server) deleteMyCommands(c *request) apiResult {
	scope, errRes := parseScope(c.get("scope"))
	if errRes != nil {
		return *errRes
	}
	delete(s.commands, commandsKey(scope, c.get("language_code")))
	return ok(true)
}

func (s *Server) getChat(c *request) apiResult {
	chatID, errRes := s.chatID(c, "chat_id")
	if errRes != nil {
		return *errRes
	}
	return ok(s.chatLocked(chatID))
}

func (s *Server) getFile(c *request) apiResult {
	f, found := s.files[c.get("file_id")]
	if !found {
		return badRequest("invalid file_id")
	}
	return ok(tgbotapi.File{
		FileID:       f.id,
		FileUniqueID: f.uniqueID,
		FileSize:     len(f.data),
		FilePath:     f.path,
	})
}

// sortedKeys is used for stable dumps.
func sortedKeys(m map[string][]fault) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
