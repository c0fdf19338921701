from tests.factories import Factory


async def test_health(client):
    r = await client.get("/healthz")
    assert r.status_code == 200
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text


async def test_thread_post_flow(client, factory: Factory):
    d = await factory.dialogue(visibility="invite")
    theme = await factory.theme(d)
    alice = await factory.member(d, "participant")
    h = await factory.auth(alice)
    r = await client.post(
        f"/api/v1/themes/{theme.id}/threads",
        json={"title": "T", "body": "Hello **world** accountability", "client_id": "c1"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    pid = r.json()["post"]["id"]
    r2 = await client.post(
        f"/api/v1/themes/{theme.id}/threads",
        json={"title": "T", "body": "Hello", "client_id": "c1"},
        headers=h,
    )
    assert r2.status_code == 200
    r = await client.post(
        f"/api/v1/threads/{tid}/posts",
        json={"body": "reply", "parent_id": pid, "client_id": "c2"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/v1/threads/{tid}/posts", headers=h)
    assert [p["body"] for p in r.json()["items"]] == ["Hello **world** accountability", "reply"]
    r = await client.put(f"/api/v1/posts/{pid}/reaction", json={"kind": "agree"}, headers=h)
    assert r.json()["reactions"]["agree"] == 1, r.text
    r = await client.get(f"/api/v1/dialogues/{d.slug}/search", params={"q": "accountab"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["snippet_html"].count("<mark>") == 1, r.json()
    r = await client.get(f"/api/v1/dialogues/{d.slug}/events", params={"after": 0}, headers=h)
    kinds = [e["kind"] for e in r.json()["events"]]
    assert "post.created" in kinds and "reaction.changed" in kinds, kinds
    seqs = [e["seq"] for e in r.json()["events"]]
    assert seqs == sorted(seqs)
    r = await client.patch(f"/api/v1/posts/{pid}", json={"body": "edited"}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.delete(f"/api/v1/posts/{pid}", headers=h)
    assert r.status_code == 204, r.text
