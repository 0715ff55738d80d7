/** The worker's result.json (OpenAI chat completion shape, plus generation_config). */
export type ChatResult = {
  model: string;
  choices: { index: number; message: { role: string; content: string | null }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  generation_config?: Record<string, unknown>;
};

export type ChatCompletionResponse = {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: null };
    finish_reason: string;
    logprobs: null;
  }[];
  usage: ChatResult['usage'];
  system_fingerprint: null;
};

/**
 * The OpenAI chat completion for a job's verified result: the request's model name, the job id as the
 * completion id.
 *
 * @example
 * toChatCompletion(JSON.parse(resultJson), { jobId, model: 'tiny-chat', created })
 */
export function toChatCompletion(
  result: ChatResult,
  meta: { jobId: string; model: string; created: number },
): ChatCompletionResponse {
  return {
    id: `chatcmpl-${meta.jobId}`,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: result.choices.map((choice) => ({
      index: choice.index,
      message: { role: 'assistant', content: choice.message.content, refusal: null },
      finish_reason: choice.finish_reason,
      logprobs: null,
    })),
    usage: result.usage,
    system_fingerprint: null,
  };
}

/**
 * The same completion as `chat.completion.chunk`s: a role chunk, the content in word-sized pieces, a
 * finish chunk, and a usage chunk when asked for. The network returns a result whole, once validated, so the
 * pieces are cut from it (docs/bridge.md, "Streaming").
 */
export function toChatChunks(completion: ChatCompletionResponse, includeUsage: boolean): unknown[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    system_fingerprint: null,
  };
  const usage = includeUsage ? { usage: null } : {};
  const chunks: unknown[] = [];
  for (const choice of completion.choices) {
    const piece = (delta: Record<string, unknown>, finish: string | null) => ({
      ...base,
      choices: [{ index: choice.index, delta, logprobs: null, finish_reason: finish }],
      ...usage,
    });
    chunks.push(piece({ role: 'assistant', content: '', refusal: null }, null));
    for (const text of (choice.message.content ?? '').match(/\s*\S+|\s+$/g) ?? [])
      chunks.push(piece({ content: text }, null));
    chunks.push(piece({}, choice.finish_reason));
  }
  if (includeUsage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}
