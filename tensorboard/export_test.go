package tensorboard

// Hooks for the tests of package tensorboard_test.

// ReadRecords is readRecords, for the fuzz test that compares it with the tests' own reader.
var ReadRecords = readRecords

// ErrTruncated is errTruncated.
var ErrTruncated = errTruncated

// AppendRecord is appendRecord, for comparing its framing with other writers' files.
var AppendRecord = appendRecord
