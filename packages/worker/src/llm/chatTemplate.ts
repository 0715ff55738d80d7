/**
 * The chat template used when a model's tokenizer_config.json has none: ChatML (`<|im_start|>role\n…
 * <|im_end|>\n`, then `<|im_start|>assistant\n` as the generation prompt). An assistant message's tool calls
 * follow its content (if any), one `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>` block each
 * (the Hermes/Qwen convention), separated from the content and from each other by a newline; tool results
 * are ordinary `tool` turns. It is part of the worker version: changing it changes results (for messages
 * without tool calls the rendering is the one of worker 0.1).
 */
export const chatmlTemplate =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}" +
  "{% if message['content'] is not none %}{{ message['content'] }}{% endif %}" +
  "{% if message['tool_calls'] %}{% for call in message['tool_calls'] %}" +
  "{% if not loop.first or message['content'] %}{{ '\\n' }}{% endif %}" +
  "{{ '<tool_call>\\n{\"name\": ' + (call['function']['name'] | tojson) + ', \"arguments\": ' + (call['function']['arguments'] | tojson) + '}\\n</tool_call>' }}" +
  '{% endfor %}{% endif %}' +
  "{{ '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
