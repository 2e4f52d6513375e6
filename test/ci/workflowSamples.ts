/** Small compliant workflows and a checked text mutation, shared by the workflow rule and actionlint tests. */
import { strict as assert } from "node:assert";

export const sha = "0123456789abcdef0123456789abcdef01234567";

/** A small compliant deploy workflow in the shape of deploy.yml. */
export function baseline(): string {
    return `name: deploy
on:
  push:
    branches: [main]
permissions: {}
jobs:
  staging:
    runs-on: ubuntu-latest
    environment: staging
    permissions:
      contents: read
      id-token: write
    concurrency:
      group: pulumi-staging
      cancel-in-progress: false
    steps:
      - uses: actions/checkout@${sha} # v6.1.0
        with:
          persist-credentials: false
      - uses: actions/setup-node@${sha} # v6.5.0
        with:
          node-version: "22"
          package-manager-cache: false
      - uses: aws-actions/configure-aws-credentials@${sha} # v6.2.3
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - uses: pulumi/actions@${sha} # v7.0.0
        with:
          command: up
          stack-name: staging
      - name: Smoke
        env:
          STACK: staging
        run: npm run smoke -- --stack "$STACK"
  production:
    needs: staging
    runs-on: ubuntu-latest
    environment: production
    permissions:
      contents: read
      id-token: write
    concurrency:
      group: pulumi-production
      cancel-in-progress: false
    steps:
      - uses: aws-actions/configure-aws-credentials@${sha} # v6.2.3
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - uses: pulumi/actions@${sha} # v7.0.0
        with:
          command: up
          stack-name: production
`;
}

/** A small compliant pull-request workflow. */
export function pullRequestBaseline(): string {
    return `name: pull-request
on:
  pull_request:
    branches: [main]
permissions: {}
jobs:
  checks:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@${sha} # v6.1.0
        with:
          persist-credentials: false
      - uses: actions/setup-node@${sha} # v6.5.0
        with:
          cache: npm
      - name: Title
        env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE"
`;
}

export function mutate(text: string, from: string | RegExp, to: string): string {
    const out = text.replace(from, to);
    assert.notEqual(out, text, `mutation ${String(from)} did not apply`);
    return out;
}
