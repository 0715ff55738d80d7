/**
 * The chat template used when a model's tokenizer_config.json has none: ChatML (`<|im_start|>role\n…
 * <|im_end|>\n`, then `<|im_start|>assistant\n` as the generation prompt). It is part of the worker version:
 * changing it changes results.
 */
export const chatmlTemplate =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
