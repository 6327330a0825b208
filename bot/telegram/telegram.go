// Package telegram is the Telegram channel of the bot: it turns Bot API
// updates (long polling or webhook) into bot.Incoming, hands them to the
// engine and sends the engine's replies back as HTML messages.
//
// It is written over telegram-bot-api/v5 (v5.5.1, Bot API 5.5). What that
// version lacks is done with MakeRequest: setWebhook's secret_token, and the
// check of X-Telegram-Bot-Api-Secret-Token on incoming webhook calls. The
// client has no context support, so long polling runs on its own HTTP client
// whose transport carries the intake context: cancelling it stops intake at
// once while replies in flight still go out on the sending client.
//
// Ordering and de-duplication: updates of one chat are handled in order by
// one worker (chats are sharded over workers), different chats concurrently;
// every update is claimed in Redis before processing, so a redelivered
// update, or one received by several replicas, is handled once; with
// Options.Locks, replicas that receive updates of one chat at once take
// turns on it.
package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/legalbot/legalbot/bot"
	"golang.org/x/time/rate"
)

// Handler is the conversation engine as the channel needs it.
type Handler interface {
	Handle(ctx context.Context, in bot.Incoming) (bot.Response, error)
}

// Claimer marks updates as taken; see store.Updates.
type Claimer interface {
	Claim(ctx context.Context, channel string, id int64) (bool, error)
}

// ChatLocker serialises the handling of one chat across replicas; see
// store.ChatLocks.
type ChatLocker interface {
	Lock(ctx context.Context, channel string, chat int64, ttl time.Duration) (unlock func(), err error)
}

// Options configures a Channel.
type Options struct {
	Token string
	// Endpoint is telegram-bot-api's endpoint format, e.g. config.DefaultAPIEndpoint.
	Endpoint string
	// Workers is how many chats are handled concurrently (default 64).
	Workers int
	// Log receives the channel's logs; nil discards them.
	Log *slog.Logger
	// LogMessages logs citizens' texts (personal data: off by default).
	LogMessages bool
	// Rate caps outgoing messages per second for the whole bot (default 25,
	// under Telegram's ~30/s).
	Rate float64
	// HandleTimeout bounds the handling of one update (default 30s).
	HandleTimeout time.Duration
	// Locks, when set, makes replicas sharing them take turns on a chat
	// (nil: one chat's updates are serialised on this replica only).
	Locks ChatLocker
}

// Channel is a running Telegram channel.
type Channel struct {
	api     *tgbotapi.BotAPI
	opts    Options
	engine  Handler
	claims  Claimer
	log     *slog.Logger
	limiter *rate.Limiter

	mu     sync.RWMutex
	closed bool
	queues []chan tgbotapi.Update
	wg     sync.WaitGroup
}

// channelName is the channel's name in update claims.
const channelName = "tg"

// botKey names this bot in update claims and chat locks ("tg:<bot id>"):
// update ids and chats are only unique per bot.
func (c *Channel) botKey() string { return channelName + ":" + strconv.FormatInt(c.api.Self.ID, 10) }

// ErrClosed is returned when an update arrives after Close.
var ErrClosed = errors.New("telegram channel closed")

// New connects to the Bot API (getMe) and starts the workers.
func New(opts Options, engine Handler, claims Claimer) (*Channel, error) {
	if opts.Workers <= 0 {
		opts.Workers = 64
	}
	if opts.Rate <= 0 {
		opts.Rate = 25
	}
	if opts.HandleTimeout <= 0 {
		opts.HandleTimeout = 30 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	api, err := tgbotapi.NewBotAPIWithClient(opts.Token, opts.Endpoint, &http.Client{Timeout: 20 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("connect to the Telegram Bot API: %w", err)
	}
	c := &Channel{
		api:     api,
		opts:    opts,
		engine:  engine,
		claims:  claims,
		log:     opts.Log,
		limiter: rate.NewLimiter(rate.Limit(opts.Rate), int(opts.Rate)),
		queues:  make([]chan tgbotapi.Update, opts.Workers),
	}
	for i := range c.queues {
		c.queues[i] = make(chan tgbotapi.Update, 32)
		c.wg.Add(1)
		go c.work(c.queues[i])
	}
	return c, nil
}

var _ bot.Outbox = (*Channel)(nil)

// Username is the bot's @username as reported by getMe.
func (c *Channel) Username() string { return c.api.Self.UserName }

// Close stops accepting updates and waits, until ctx ends, for the workers
// to finish the updates already queued.
func (c *Channel) Close(ctx context.Context) error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		for _, q := range c.queues {
			close(q)
		}
	}
	c.mu.Unlock()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("telegram: updates still in flight at shutdown: %w", ctx.Err())
	}
}

// enqueue hands an update to the worker of its chat, waiting while that
// worker's queue is full.
func (c *Channel) enqueue(ctx context.Context, u tgbotapi.Update) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	q := c.queues[shard(chatOf(u), len(c.queues))]
	select {
	case q <- u:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func shard(chatID int64, n int) int {
	if chatID < 0 {
		chatID = -chatID
	}
	return int(chatID % int64(n))
}

func chatOf(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

func (c *Channel) work(q <-chan tgbotapi.Update) {
	defer c.wg.Done()
	for u := range q {
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.HandleTimeout)
		c.process(ctx, u)
		cancel()
	}
}

// process handles one update, once across redeliveries and replicas.
func (c *Channel) process(ctx context.Context, u tgbotapi.Update) {
	log := c.log.With("update_id", u.UpdateID, "chat_id", chatOf(u))
	first, err := c.claims.Claim(ctx, c.botKey(), int64(u.UpdateID))
	if err != nil {
		// Redis is down: answering twice is better than not answering.
		log.Warn("cannot claim update; processing it anyway", "err", err)
		first = true
	}
	if !first {
		log.Debug("update already processed; skipped")
		return
	}
	if chat := chatOf(u); c.opts.Locks != nil && chat != 0 {
		// Wait at most half the handling time for another replica to
		// finish this chat's previous update, then go ahead: a reply that
		// may race is better than none.
		lctx, cancel := context.WithTimeout(ctx, c.opts.HandleTimeout/2)
		unlock, err := c.opts.Locks.Lock(lctx, c.botKey(), chat, c.opts.HandleTimeout)
		cancel()
		if err != nil {
			log.Warn("cannot lock the chat; handling the update anyway", "err", err)
		} else {
			defer unlock()
		}
	}
	switch {
	case u.Message != nil:
		c.processMessage(ctx, log, u.Message)
	case u.CallbackQuery != nil:
		c.processCallback(ctx, log, u.CallbackQuery)
	}
}

func citizenID(userID int64) string { return channelName + ":" + strconv.FormatInt(userID, 10) }

func (c *Channel) processMessage(ctx context.Context, log *slog.Logger, m *tgbotapi.Message) {
	if m.Chat == nil || !m.Chat.IsPrivate() || m.From == nil || m.From.IsBot {
		return // the bot talks to citizens one to one
	}
	in := bot.Incoming{Citizen: citizenID(m.From.ID), Text: m.Text, LanguageCode: m.From.LanguageCode, MessageID: m.MessageID}
	if m.ReplyToMessage != nil {
		in.ReplyTo = m.ReplyToMessage.MessageID
	}
	if m.Photo != nil || m.Document != nil || m.Voice != nil || m.Video != nil || m.Audio != nil || m.VideoNote != nil {
		in.Media, in.Text = true, m.Caption
	}
	if c.opts.LogMessages {
		log = log.With("text", m.Text)
	}
	if in.Text != "" && !in.Media && !m.IsCommand() {
		// The typing action is a courtesy; its failure changes nothing.
		if _, err := c.api.Request(tgbotapi.NewChatAction(m.Chat.ID, tgbotapi.ChatTyping)); err != nil {
			log.Debug("send typing action", "err", err)
		}
	}
	resp, err := c.engine.Handle(ctx, in)
	if err != nil {
		log.Warn("engine reported a problem", "err", err)
	}
	log.Debug("message handled", "replies", len(resp.Replies))
	c.sendReplies(ctx, log, m.Chat.ID, resp.Replies)
}

func (c *Channel) processCallback(ctx context.Context, log *slog.Logger, q *tgbotapi.CallbackQuery) {
	in := bot.Incoming{Citizen: citizenID(q.From.ID), Callback: q.Data, LanguageCode: q.From.LanguageCode, DisplayName: displayName(q.From)}
	resp, err := c.engine.Handle(ctx, in)
	if err != nil {
		log.Warn("engine reported a problem", "err", err)
	}
	// Always answer the callback, or the citizen's button keeps spinning.
	if err := c.call(ctx, tgbotapi.NewCallback(q.ID, resp.Notice)); err != nil {
		log.Warn("answer callback", "err", err)
	}
	chatID := q.From.ID
	if q.Message != nil {
		chatID = q.Message.Chat.ID
		if resp.ClearButtons {
			edit := tgbotapi.NewEditMessageReplyMarkup(chatID, q.Message.MessageID, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}})
			if err := c.call(ctx, edit); err != nil {
				log.Debug("clear buttons", "err", err)
			}
		}
	}
	c.sendReplies(ctx, log, chatID, resp.Replies)
}

func (c *Channel) sendReplies(ctx context.Context, log *slog.Logger, chatID int64, replies []bot.Reply) {
	for _, r := range replies {
		if _, err := c.send(ctx, chatID, r); err != nil {
			log.Error("send message", "err", err)
			return
		}
	}
}

// send delivers one reply, split into messages of at most 4096 characters,
// buttons on the last; it returns the last message's id.
func (c *Channel) send(ctx context.Context, chatID int64, r bot.Reply) (int, error) {
	chunks := splitMessage(renderHTML(r), MaxMessageLength)
	last := 0
	for i, chunk := range chunks {
		msg := tgbotapi.NewMessage(chatID, chunk)
		msg.ParseMode = tgbotapi.ModeHTML
		msg.DisableWebPagePreview = true
		if i == len(chunks)-1 && len(r.Buttons) > 0 {
			msg.ReplyMarkup = keyboard(r.Buttons)
		}
		resp, err := c.request(ctx, msg)
		if err != nil {
			return last, err
		}
		var m tgbotapi.Message
		json.Unmarshal(resp.Result, &m)
		last = m.MessageID
	}
	return last, nil
}

// displayName is how a citizen appears if they choose to share it.
func displayName(u *tgbotapi.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if u.UserName != "" {
		name += " (@" + u.UserName + ")"
	}
	return name
}

// chatOfAddress reads a "tg:<id>" address.
func chatOfAddress(to string) (int64, error) {
	id, ok := strings.CutPrefix(to, channelName+":")
	if !ok {
		return 0, fmt.Errorf("not a Telegram address: %q", to)
	}
	return strconv.ParseInt(id, 10, 64)
}

// Send implements bot.Outbox.
func (c *Channel) Send(ctx context.Context, to string, r bot.Reply) (int, error) {
	chat, err := chatOfAddress(to)
	if err != nil {
		return 0, err
	}
	return c.send(ctx, chat, r)
}

// Edit implements bot.Outbox with editMessageText.
func (c *Channel) Edit(ctx context.Context, to string, messageID int, r bot.Reply) error {
	chat, err := chatOfAddress(to)
	if err != nil {
		return err
	}
	edit := tgbotapi.NewEditMessageText(chat, messageID, splitMessage(renderHTML(r), MaxMessageLength)[0])
	edit.ParseMode = tgbotapi.ModeHTML
	if len(r.Buttons) > 0 {
		kb := keyboard(r.Buttons)
		edit.ReplyMarkup = &kb
	}
	return c.call(ctx, edit)
}

// Copy implements bot.Outbox with copyMessage.
func (c *Channel) Copy(ctx context.Context, to, from string, messageID int) (int, error) {
	toChat, err := chatOfAddress(to)
	if err != nil {
		return 0, err
	}
	fromChat, err := chatOfAddress(from)
	if err != nil {
		return 0, err
	}
	resp, err := c.request(ctx, tgbotapi.NewCopyMessage(toChat, fromChat, messageID))
	if err != nil {
		return 0, err
	}
	var id tgbotapi.MessageID
	json.Unmarshal(resp.Result, &id)
	return id.MessageID, nil
}

func keyboard(rows [][]bot.Button) tgbotapi.InlineKeyboardMarkup {
	kb := make([][]tgbotapi.InlineKeyboardButton, 0, len(rows))
	for _, row := range rows {
		var r []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(b.Label, b.Data))
		}
		kb = append(kb, r)
	}
	return tgbotapi.InlineKeyboardMarkup{InlineKeyboard: kb}
}

// call sends a request under the bot-wide rate limit, waiting out 429s
// (Telegram's retry_after) up to three times.
func (c *Channel) call(ctx context.Context, req tgbotapi.Chattable) error {
	_, err := c.request(ctx, req)
	return err
}

func (c *Channel) request(ctx context.Context, req tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	for attempt := 0; ; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, err
		}
		resp, err := c.api.Request(req)
		var tgErr *tgbotapi.Error
		if err == nil || !errors.As(err, &tgErr) || tgErr.RetryAfter <= 0 || attempt == 3 {
			return resp, err
		}
		wait := time.Duration(tgErr.RetryAfter) * time.Second
		c.log.Warn("rate limited by Telegram", "retry_after_s", tgErr.RetryAfter)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// SetCommands advertises the commands in every language (and a default
// list in defaultLang). Failures are logged, never fatal: the bot works
// without a command menu.
func (c *Channel) SetCommands(ctx context.Context, commands []string, langs []string, defaultLang string, describe func(lang, command string) string) {
	set := func(lang, code string) {
		var cmds []tgbotapi.BotCommand
		for _, name := range commands {
			cmds = append(cmds, tgbotapi.BotCommand{Command: name, Description: describe(lang, name)})
		}
		cfg := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), code, cmds...)
		if err := c.call(ctx, cfg); err != nil {
			c.log.Warn("setMyCommands failed; the bot works without a command menu", "lang", code, "err", err)
		}
	}
	set(defaultLang, "")
	for _, l := range langs {
		set(l, l)
	}
}

// Poll receives updates by long polling until ctx ends. It first removes
// any webhook (Telegram refuses getUpdates while one is set).
func (c *Channel) Poll(ctx context.Context) error {
	poller, err := tgbotapi.NewBotAPIWithClient(c.opts.Token, c.opts.Endpoint, &http.Client{
		Timeout:   70 * time.Second,
		Transport: contextTransport{ctx: ctx, base: http.DefaultTransport},
	})
	if err != nil {
		return fmt.Errorf("start polling: %w", err)
	}
	if _, err := poller.Request(tgbotapi.DeleteWebhookConfig{}); err != nil && ctx.Err() == nil {
		c.log.Warn("deleteWebhook before polling", "err", err)
	}
	offset := 0
	backoff := time.Second
	for ctx.Err() == nil {
		updates, err := poller.GetUpdates(tgbotapi.UpdateConfig{
			Offset: offset, Timeout: 50,
			AllowedUpdates: []string{"message", "callback_query"},
		})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.log.Warn("getUpdates failed; retrying", "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			}
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		backoff = time.Second
		for _, u := range updates {
			if err := c.enqueue(ctx, u); err != nil {
				return nil // shutting down; unconfirmed updates are redelivered
			}
			offset = u.UpdateID + 1
		}
	}
	return nil
}

// contextTransport attaches a context to every request, so a client without
// context support can still be stopped.
type contextTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t contextTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

// SetWebhook registers url with Telegram, with the secret Telegram must send
// back in X-Telegram-Bot-Api-Secret-Token (v5.5.1 has no field for it, so
// the call is made with MakeRequest).
func (c *Channel) SetWebhook(url, secret string) error {
	params := tgbotapi.Params{"url": url, "secret_token": secret}
	if err := params.AddInterface("allowed_updates", []string{"message", "callback_query"}); err != nil {
		return err
	}
	params.AddNonZero("max_connections", 40)
	if _, err := c.api.MakeRequest("setWebhook", params); err != nil {
		return fmt.Errorf("setWebhook: %w", err)
	}
	return nil
}

// WebhookHandler receives updates from Telegram. Requests without the right
// secret get 401; each accepted update is queued for its chat's worker.
func (c *Channel) WebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u tgbotapi.Update
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if err := c.enqueue(ctx, u); err != nil {
			// Telegram retries later; the claim makes the retry safe.
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
