"""The documented views: answers to the common questions, kept in the database itself so any
SQL tool sees them. Described with example queries in docs/QUERYING.md."""

from __future__ import annotations

LATEST_MATCHES_SQL = """
CREATE OR REPLACE VIEW latest_matches AS
SELECT m.matched_at, m.topic, a.title, a.url,
       coalesce(a.site_name, f.name, a.feed_url) AS outlet,
       coalesce(a.published_at, a.fetched_at) AS published_at,
       m.rule, m.score, m.evidence->>'snippet' AS snippet,
       from_json(m.evidence->'entities', '["VARCHAR"]') AS entities,
       m.rules_version, m.article_id, a.story_id, a.lang
FROM matches m
JOIN articles a USING (article_id)
LEFT JOIN feed_state f ON f.feed_url = a.feed_url
ORDER BY m.matched_at DESC, coalesce(a.published_at, a.fetched_at) DESC, m.topic;
"""
"""Newest landing first; within one landing (a backfill lands many at one time), newest
published first."""

VIEWS_SQL = (
    LATEST_MATCHES_SQL
    + """
CREATE OR REPLACE VIEW matches_per_topic_day AS
SELECT m.topic, CAST(coalesce(a.published_at, a.fetched_at) AS DATE) AS day,
       count(*) AS matches, count(DISTINCT a.story_id) AS stories
FROM matches m JOIN articles a USING (article_id)
GROUP BY ALL ORDER BY day DESC, topic;

CREATE OR REPLACE VIEW matches_per_outlet AS
SELECT coalesce(a.site_name, f.name, a.feed_url) AS outlet, m.topic, count(*) AS matches,
       min(coalesce(a.published_at, a.fetched_at)) AS first_published,
       max(coalesce(a.published_at, a.fetched_at)) AS last_published
FROM matches m JOIN articles a USING (article_id)
LEFT JOIN feed_state f ON f.feed_url = a.feed_url
GROUP BY ALL ORDER BY matches DESC, outlet;

CREATE OR REPLACE VIEW feed_health AS
SELECT name, feed_url, last_status, last_http_status, consecutive_failures, disabled,
       disabled_reason, last_error, items_seen, last_new_item_at, last_polled_at, next_poll_at,
       poll_interval_s,
       CASE WHEN disabled THEN 'disabled'
            WHEN consecutive_failures > 0 THEN 'failing'
            WHEN last_new_item_at IS NULL OR last_new_item_at < now() - INTERVAL 7 DAY
                 THEN 'quiet'
            ELSE 'healthy' END AS health
FROM feed_state ORDER BY health, name;

CREATE OR REPLACE VIEW entity_mentions_weekly AS
SELECT date_trunc('week', coalesce(a.published_at, a.fetched_at)) AS week, m.topic,
       e.entity, count(DISTINCT a.article_id) AS articles
FROM matches m JOIN articles a USING (article_id),
     unnest(from_json(m.evidence->'entities', '["VARCHAR"]')) AS e(entity)
GROUP BY ALL ORDER BY week DESC, topic, articles DESC, entity;

CREATE OR REPLACE VIEW stories AS
SELECT a.story_id, min(a.fetched_at) AS first_seen, count(*) AS copies,
       list(DISTINCT coalesce(a.site_name, a.feed_url)) AS outlets,
       arg_min(a.title, a.fetched_at) AS title, arg_min(a.url, a.fetched_at) AS url
FROM articles a GROUP BY a.story_id;
"""
)
