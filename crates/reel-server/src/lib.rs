//! HTTP server speaking the OpenAI videos API, with a persistent job queue.
