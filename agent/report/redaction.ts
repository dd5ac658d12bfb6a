// The bundle's backstop: every text file passes through the run's redactor and through one
// that also knows the forms user data may take elsewhere (its base64, its longer lines).

import { Redactor, requestSecrets } from "../redact.ts";
import type { InstallRequest } from "../request/types.ts";

// Shorter lines ("#!/bin/bash", "runcmd:") say nothing about the customer and are everywhere.
const MIN_LINE = 16;

export function bundleRedaction(request: InstallRequest, runRedactor: Redactor): (text: string) => string {
  const extra = new Redactor().add(...requestSecrets(request));
  if (request.userData !== undefined) {
    extra.add(Buffer.from(request.userData, "utf8").toString("base64"));
    for (const line of request.userData.split("\n")) {
      const t = line.trim();
      if (t.length >= MIN_LINE && !t.startsWith("#!")) extra.add(t);
    }
  }
  return (text) => extra.redact(runRedactor.redact(text));
}
