package format

// BatchBytes exposes the writer's batch size to the black-box tests.
const BatchBytes = batchBytes
