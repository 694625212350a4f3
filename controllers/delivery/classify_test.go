package delivery_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/servicedesk-operator/servicedesk-operator/controllers/delivery"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		name       string
		status     int
		header     http.Header
		want       delivery.Outcome
		retryAfter time.Duration
	}{
		{"200 delivered", 200, nil, delivery.Delivered, 0},
		{"204 delivered", 204, nil, delivery.Delivered, 0},
		{"299 delivered", 299, nil, delivery.Delivered, 0},
		{"301 redirect retried not followed", 301, http.Header{"Location": {"https://elsewhere"}}, delivery.Retry, 0},
		{"400 retried", 400, nil, delivery.Retry, 0},
		{"404 retried", 404, nil, delivery.Retry, 0},
		{"410 gone", 410, nil, delivery.Gone, 0},
		{"429 with seconds", 429, retryAfter("120"), delivery.Retry, 2 * time.Minute},
		{"429 with padded seconds", 429, retryAfter(" 5 "), delivery.Retry, 5 * time.Second},
		{"429 with HTTP date", 429, retryAfter(now.Add(90 * time.Second).Format(http.TimeFormat)), delivery.Retry, 90 * time.Second},
		{"429 with HTTP date in the past", 429, retryAfter(now.Add(-time.Hour).Format(http.TimeFormat)), delivery.Retry, 0},
		{"429 without header", 429, nil, delivery.Retry, 0},
		{"429 with garbage header", 429, retryAfter("soon"), delivery.Retry, 0},
		{"429 with negative seconds", 429, retryAfter("-3"), delivery.Retry, 0},
		{"429 with huge seconds capped", 429, retryAfter("99999999999999999"), delivery.Retry, delivery.MaxRetryAfter},
		{"500 retried", 500, nil, delivery.Retry, 0},
		{"500 ignores Retry-After", 500, retryAfter("30"), delivery.Retry, 0},
		{"503 with Retry-After", 503, retryAfter("30"), delivery.Retry, 30 * time.Second},
		{"unknown status code retried", 599, nil, delivery.Retry, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := delivery.Classify(tt.status, tt.header, now)
			if got.Outcome != tt.want || got.StatusCode != tt.status || got.RetryAfter != tt.retryAfter {
				t.Errorf("Classify(%d) = %+v, want outcome %s, retryAfter %v", tt.status, got, tt.want, tt.retryAfter)
			}
			if got.Message == "" || len(got.Message) > 200 {
				t.Errorf("Classify(%d) message %q: want non-empty and short", tt.status, got.Message)
			}
		})
	}
}
