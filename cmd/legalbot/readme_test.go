package main

import (
	"os"
	"strings"
	"testing"

	"github.com/legalbot/legalbot/config"
)

// The README's configuration table documents every setting.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings {
		if !strings.Contains(string(data), "| `"+s.Env+"` |") {
			t.Errorf("README.md has no table row for %s", s.Env)
		}
	}
}
