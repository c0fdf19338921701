// A running report job's page: follow its JSON status and move the bar, instead of the
// refresh link a reader without JavaScript uses. When the job ends, the page is loaded
// again, and the server shows the download (or the error) as it would to anyone.
const box = document.getElementById("report-job");

async function poll() {
  let job;
  try {
    const answer = await fetch(box.dataset.statusUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!answer.ok) return; // the refresh link still works
    job = await answer.json();
  } catch {
    return;
  }
  if (job.state !== "running") {
    window.location.reload();
    return;
  }
  const bar = box.querySelector("progress");
  const percent = Math.round(job.progress * 100);
  bar.value = percent;
  bar.textContent = `${percent}%`;
  window.setTimeout(poll, Number(box.dataset.pollMs) || 1000);
}

if (box) {
  window.setTimeout(poll, Number(box.dataset.pollMs) || 1000);
}
