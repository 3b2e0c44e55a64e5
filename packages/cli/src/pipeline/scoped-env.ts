/**
 * Sets environment variables (undefined removes one) while `work` runs and puts the previous values
 * back afterwards, also when it fails: the pipeline's endpoint and dummy credentials never outlive it.
 */
export async function withEnvironment<T>(variables: Readonly<Record<string, string | undefined>>, work: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  assign(variables);
  try {
    return await work();
  } finally {
    assign(previous);
  }
}

function assign(variables: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
