package store

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ChatLocks serialise the handling of one chat's updates across replicas.
// Each replica handles one chat's updates in order on one worker, but
// behind a load balancer two replicas may receive updates of the same chat
// at once; both would load the session, change it and save it, and the
// later save would drop the earlier one's change. A lock per chat makes
// them take turns. (It does not order them: two updates that reach two
// replicas in the same instant are handled one after the other, in either
// order.)
type ChatLocks struct {
	rdb redis.UniversalClient
	// poll is the first wait between attempts; it doubles up to 16×.
	poll time.Duration
}

// NewChatLocks returns the chat locks kept in rdb.
func NewChatLocks(rdb redis.UniversalClient) *ChatLocks {
	return &ChatLocks{rdb: rdb, poll: 5 * time.Millisecond}
}

var (
	//go:embed lua/unlock.lua
	unlockSrc    string
	unlockScript = redis.NewScript(unlockSrc)
)

// Lock waits until this caller holds the lock of chat on channel, or ctx
// ends. The lock expires after ttl even if its holder dies, so a crashed
// replica blocks a chat for ttl at most. unlock releases it (and only it:
// after an expiry another holder's lock is left alone).
func (l *ChatLocks) Lock(ctx context.Context, channel string, chat int64, ttl time.Duration) (unlock func(), err error) {
	key := chatLockKey(channel, chat)
	var b [12]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	wait := l.poll
	for {
		ok, err := l.rdb.SetNX(ctx, key, token, ttl).Result()
		if err != nil {
			return nil, fmt.Errorf("lock chat %d: %w", chat, err)
		}
		if ok {
			return func() {
				// The handling's context may have ended; the unlock must
				// still go out, or the next update waits for the expiry.
				uctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				unlockScript.Run(uctx, l.rdb, []string{key}, token)
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock chat %d: %w", chat, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 16*l.poll)
	}
}
