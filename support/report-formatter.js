'use strict';
/*
 * The JSON formatter, plus the cucumber-html-reporter page written as soon as the JSON is
 * complete, so that a plain `npx cucumber-js` leaves every report in reports/.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { JsonFormatter } = require('@cucumber/cucumber');
const { writeHtmlReport } = require('./html-report');

const HTML_OUTPUT = path.resolve(process.cwd(), 'reports', 'cucumber-report.html');

class ReportFormatter extends JsonFormatter {
  constructor(options) {
    super(options);
    const log = this.log;
    this.log = (text) => {
      log(text);
      this.json = String(text);
    };
  }

  async finished() {
    await super.finished();
    if (!this.json) return;
    const scratch = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'phantomdb-report-')), 'cucumber.json');
    try {
      fs.writeFileSync(scratch, this.json);
      writeHtmlReport(scratch, HTML_OUTPUT);
    } catch (error) {
      // A broken report page must not hide the test results themselves.
      process.stderr.write(`could not write ${HTML_OUTPUT}: ${error && error.message}\n`);
    } finally {
      fs.rmSync(path.dirname(scratch), { recursive: true, force: true });
    }
  }
}

ReportFormatter.documentation = 'JSON report plus the offline cucumber-html-reporter page (reports/cucumber-report.html)';
module.exports = ReportFormatter;
