package handoff

import (
	"encoding/json"
	"fmt"

	"github.com/legalbot/legalbot/config"
)

// The roster travels between replicas as a document: the configuration's
// handoff section as JSON, kept in Redis (store.Cases.SaveRoster). Every
// replica builds its Roster from the same document, and rebuilds it when
// the document changes, so a new roster needs no restart.

// Doc encodes a handoff configuration as a roster document.
func Doc(h config.Handoff) ([]byte, error) {
	doc, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode roster: %w", err)
	}
	return doc, nil
}

// FromDoc builds the roster a document describes; a document that does not
// decode or describes an invalid roster is an error.
func FromDoc(doc []byte) (*Roster, config.Handoff, error) {
	var h config.Handoff
	if err := json.Unmarshal(doc, &h); err != nil {
		return nil, h, fmt.Errorf("decode roster: %w", err)
	}
	r, err := NewRoster(h)
	if err != nil {
		return nil, h, err
	}
	return r, h, nil
}
