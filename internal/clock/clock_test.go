package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"no wait", t.Context(), 0, nil},
		{"a short wait", t.Context(), time.Millisecond, nil},
		{"cancelled before an hour", cancelled, time.Hour, context.Canceled},
		{"cancelled, no wait", cancelled, 0, context.Canceled},
	}
	for _, tt := range tests {
		if err := Sleep(tt.ctx, tt.d); !errors.Is(err, tt.want) {
			t.Errorf("%s: Sleep() = %v, want %v", tt.name, err, tt.want)
		}
	}
}
