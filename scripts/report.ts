/* `npm run report`: rebuilds reports/cucumber-report.html from reports/cucumber.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeHtmlReport } = require('../support/html-report') as { writeHtmlReport: (jsonFile: string, output: string) => void };

const jsonFile = path.resolve('reports', 'cucumber.json');
if (!fs.existsSync(jsonFile)) {
  console.error(`No ${path.relative(process.cwd(), jsonFile)}: run the suite first (npx cucumber-js).`);
  process.exit(1);
}
const output = path.resolve('reports', 'cucumber-report.html');
writeHtmlReport(jsonFile, output);
console.log(`wrote ${path.relative(process.cwd(), output)}`);
