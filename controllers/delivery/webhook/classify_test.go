package webhook_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery/webhook"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		name       string
		status     int
		header     http.Header
		want       webhook.Outcome
		retryAfter time.Duration
	}{
		{"200 delivered", 200, nil, webhook.Delivered, 0},
		{"204 delivered", 204, nil, webhook.Delivered, 0},
		{"299 delivered", 299, nil, webhook.Delivered, 0},
		{"301 redirect retried not followed", 301, http.Header{"Location": {"https://elsewhere"}}, webhook.Retry, 0},
		{"400 retried", 400, nil, webhook.Retry, 0},
		{"404 retried", 404, nil, webhook.Retry, 0},
		{"410 gone", 410, nil, webhook.Gone, 0},
		{"429 with seconds", 429, retryAfter("120"), webhook.Retry, 2 * time.Minute},
		{"429 with padded seconds", 429, retryAfter(" 5 "), webhook.Retry, 5 * time.Second},
		{"429 with HTTP date", 429, retryAfter(now.Add(90 * time.Second).Format(http.TimeFormat)), webhook.Retry, 90 * time.Second},
		{"429 with HTTP date in the past", 429, retryAfter(now.Add(-time.Hour).Format(http.TimeFormat)), webhook.Retry, 0},
		{"429 without header", 429, nil, webhook.Retry, 0},
		{"429 with garbage header", 429, retryAfter("soon"), webhook.Retry, 0},
		{"429 with negative seconds", 429, retryAfter("-3"), webhook.Retry, 0},
		{"429 with huge seconds capped", 429, retryAfter("99999999999999999"), webhook.Retry, webhook.MaxRetryAfter},
		{"500 retried", 500, nil, webhook.Retry, 0},
		{"500 ignores Retry-After", 500, retryAfter("30"), webhook.Retry, 0},
		{"503 with Retry-After", 503, retryAfter("30"), webhook.Retry, 30 * time.Second},
		{"unknown status code retried", 599, nil, webhook.Retry, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := webhook.Classify(tt.status, tt.header, now)
			if got.Outcome != tt.want || got.StatusCode != tt.status || got.RetryAfter != tt.retryAfter {
				t.Errorf("Classify(%d) = %+v, want outcome %s, retryAfter %v", tt.status, got, tt.want, tt.retryAfter)
			}
			if got.Message == "" || len(got.Message) > 200 {
				t.Errorf("Classify(%d) message %q: want non-empty and short", tt.status, got.Message)
			}
		})
	}
}
