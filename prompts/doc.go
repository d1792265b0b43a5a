// Package prompts is ragls's side of the conversation with a local model: the client for an
// OpenAI-compatible model server, the settings that configure it, the system prompts of each
// action, structured (JSON) answers, fill-in-the-middle formats per model family, and the token
// budget that makes a prompt fit the model's context window.
//
// It knows nothing of LSP or the index: callers pass code, positions' surroundings and
// [Snippet]s of repository context, and get messages, prompts and answers back.
//
// # Pieces
//
//   - [Config], [DefaultConfig], [LoadConfig]: settings from defaults, a JSON file, the editor and
//     RAGLS_* environment variables, in that order of precedence.
//   - [Client]: Chat, Complete, CompleteN, Fill, Alternatives, Embed, Models, Structured and Probe
//     against the server. Every failure is a [*ModelError] whose one-line message names the URL, the model and the fix;
//     errors.Is(err, KindModelNotFound) and friends classify it.
//   - [Prompter]: Render (action prompts from embedded, overridable templates) and BuildCompletion
//     (FIM prompt within the token budget). Pure computation, no I/O after construction.
//   - [Family]: exact FIM formats and stop tokens per model family.
//   - [Counter]: token estimates (cl100k with a safety margin).
//
// # Settings
//
// The settings file (default: os.UserConfigDir()/ragls/config.json, see [DefaultConfigPath]) and
// the editor (LSP initializationOptions) use the same JSON keys; every key is optional and these
// are the defaults:
//
//	{
//	  "modelUrl":        "http://127.0.0.1:11434/v1",
//	  "apiKey":          "",
//	  "chatModel":       "qwen2.5-coder:7b-instruct",
//	  "completionModel": "qwen2.5-coder:1.5b-base",
//	  "embeddingModel":  "nomic-embed-text",
//	  "timeoutMs":       120000,
//	  "maxTokens":       512,
//	  "temperature":     0.2,
//	  "stop":            [],
//	  "fim":             "",
//	  "contextWindow":   0,
//	  "templatesDir":    "",
//	  "disabledLanguages": [],
//	  "warmUp":          true
//	}
//
// "fim" forces a FIM family: qwen, deepseek, starcoder, starcoder2, codellama, codestral,
// codegemma, granite, or chat (no FIM: completion through a chat prompt). "templatesDir" may start
// with ~/. "contextWindow" 0 means: ask the server for each model's window (see
// [Client.Limits]); a number overrides what the server says. "timeoutMs" bounds a non-streamed
// answer and a stream's first byte (at most 60 s); a stream that stalls for 10 s and a
// completion that takes 10 s are given up (see [Timeouts]). "disabledLanguages" turns
// completions off in those languages, named by ID (go, python, text, ...) or file extension
// ("md"); see [Config.CompletesLanguage]. "warmUp" false (or RAGLS_WARM_UP=0) stops the
// one-token completion sent when a file is opened. Precedence, lowest first:
// defaults, file, editor, environment.
//
// # Context windows and tokens
//
// Prompts are fitted to the window the server really holds: Ollama's running num_ctx (/api/ps;
// its OpenAI endpoints ignore options, so ragls fits into what runs rather than sending
// num_ctx), llama.cpp's /props n_ctx, vLLM's max_model_len, LM Studio's loaded context length.
// Tokens are counted with cl100k times the model's own ratio, measured with the server's
// /tokenize (llama.cpp, vLLM) or a one-token probe's usage.prompt_tokens, raised by the usage of
// later answers, plus a 15% margin, so the server never has to cut a prompt's head.
//
// # Servers
//
// Any server speaking the OpenAI API under /v1 works. Settings for the common ones
// (config file keys; the environment variables are RAGLS_MODEL_URL, RAGLS_API_KEY,
// RAGLS_CHAT_MODEL, RAGLS_COMPLETION_MODEL, RAGLS_EMBEDDING_MODEL, RAGLS_MODEL_TIMEOUT):
//
// Ollama (the default): "modelUrl": "http://127.0.0.1:11434/v1". Model names are Ollama's
// ("qwen2.5-coder:1.5b-base"); `ollama pull NAME` fetches one. Its OpenAI endpoint cannot set the
// context length per request: raise num_ctx with OLLAMA_CONTEXT_LENGTH or a Modelfile and ragls
// reads it. Ollama applies the model's template to
// /v1/completions prompts; ragls's FIM prompts assume the template passes the prompt through
// (true of the -base code models), otherwise set "fim": "chat".
//
// llama.cpp server (llama-server -m model.gguf --port 8080): "modelUrl": "http://127.0.0.1:8080/v1".
// It serves one model whatever name is sent, so the model names only matter for choosing the FIM
// family: set "completionModel" to the model's real name or set "fim". Embeddings need a second
// instance started with --embedding. Prompt caching is on by default (cache_prompt).
//
// LM Studio (its local server): "modelUrl": "http://127.0.0.1:1234/v1", model names as LM Studio
// lists them (`lms ls`).
//
// vLLM (vllm serve MODEL --port 8000): "modelUrl": "http://127.0.0.1:8000/v1", model names are the
// served model's Hugging Face name; "apiKey" if started with --api-key. Its --max-model-len is
// read from /v1/models.
//
// # Templates
//
// The system prompts are files in this package's templates directory, embedded in the binary:
// explain.tmpl, document.tmpl, refactor.tmpl, fix.tmpl, test.tmpl, chat.tmpl, the user message
// layout user.tmpl, and complete.tmpl / complete_user.tmpl for completion with models that have no
// FIM. A file with the same name in Config.TemplatesDir replaces the built-in one. They are Go
// text/templates over the fields of templateData (Language, Tag, Path, StartLine, Code, Before,
// After, Diagnostic, Instruction, Snippets) and a fence function that wraps text in a safe
// Markdown code fence.
package prompts
