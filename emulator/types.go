package emulator

import (
	"github.com/chatemu/chatemu/internal/core"
	"github.com/chatemu/chatemu/internal/outbound"
)

// The request pipeline lives in internal/core; these are the parts of it a
// user of the emulator meets, named here so that they can be written down
// (and read with go doc) outside this module.
type (
	// Exchange is one journal record: a request and the answer it got.
	Exchange = core.Exchange
	// JournalFilter selects journal records (Journal.Find).
	JournalFilter = core.JournalFilter
	// Journal is an instance's bounded request journal.
	Journal = core.Journal
	// Clock is an instance's clock: real, shifted or frozen.
	Clock = core.Clock
	// ValidationError is a fixture, seed or scenario document refused, with
	// the JSON path and reason of every problem.
	ValidationError = core.ValidationError
	// Problem is one problem of a ValidationError.
	Problem = core.Problem
	// Delivery is one record of the delivery journal: a call a vendor made
	// to the system under test (a Bitrix24 bot event, a webhook, a
	// callback), the exact body and what the handler answered.
	Delivery = outbound.Record
	// DeliveryFilter selects delivery journal records.
	DeliveryFilter = outbound.Filter
)
