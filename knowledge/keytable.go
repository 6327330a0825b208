package knowledge

// keyTable maps tokens' packed keys (token.key, never 0) to numbers. It is
// a hash table with open addressing and linear probing, a key and its
// number side by side: indexing looks up every token among its entry's
// terms and every term of an entry among the index's, tens of millions of
// lookups for 50,000 entries, and a Go map costs several times more.
type keyTable struct {
	slots []keySlot
	n     int
	shift uint // 64 − log2(len(slots))
}

type keySlot struct {
	key uint64 // 0: empty
	id  int32
}

// slot is where probing for k starts (Fibonacci hashing: keys differ in
// their low bits, the multiplication spreads them to the top).
func (t *keyTable) slot(k uint64) int { return int(k * 0x9E3779B97F4A7C15 >> t.shift) }

// get returns k's number, false if k is absent.
func (t *keyTable) get(k uint64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := len(t.slots) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch s := &t.slots[i]; s.key {
		case k:
			return s.id, true
		case 0:
			return 0, false
		}
	}
}

// touch loads the slot where probing for k starts, and returns its key for
// the caller to keep (else the load is optimised away). Touching the keys
// of many lookups first overlaps their cache misses, which the lookups one
// at a time would wait for in turn.
func (t *keyTable) touch(k uint64) uint64 {
	if t.n == 0 {
		return 0
	}
	return t.slots[t.slot(k)].key
}

// put sets k's number; k must be absent.
func (t *keyTable) put(k uint64, id int32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	i := t.slot(k)
	for t.slots[i].key != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = keySlot{k, id}
	t.n++
}

func (t *keyTable) grow() {
	old := t.slots
	size := max(64, 2*len(old))
	t.slots, t.n, t.shift = make([]keySlot, size), 0, 64
	for s := size; s > 1; s >>= 1 {
		t.shift--
	}
	for _, s := range old {
		if s.key != 0 {
			t.put(s.key, s.id)
		}
	}
}

// reset empties the table, keeping its size.
func (t *keyTable) reset() {
	if t.n > 0 {
		clear(t.slots)
		t.n = 0
	}
}
