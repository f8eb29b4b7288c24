-- What the "Upgrade now" hint of a page of customer $1's subscriptions ($2,
-- their ids) needs of the others (domain/eligibility/slice.rs): every add-on
-- of a page subscription, and per (offer, channel, status) the lowest and
-- highest id of the customer's subscriptions that are neither in the page
-- nor an add-on of one. (uuid has no min/max: compared as text, whose order
-- is the same.)
WITH page (id) AS (SELECT * FROM UNNEST($2::uuid[])),
others AS (
    SELECT min(s.id::text) AS low, max(s.id::text) AS high
    FROM subscriptions s
    WHERE s.customer_id = $1
      AND s.id NOT IN (SELECT id FROM page)
      AND (s.parent_id IS NULL OR s.parent_id NOT IN (SELECT id FROM page))
    GROUP BY s.offer_id, s.channel, s.status
)
SELECT s.*
FROM subscriptions s
WHERE s.customer_id = $1
  AND s.parent_id IN (SELECT id FROM page)
  AND s.id NOT IN (SELECT id FROM page)
UNION ALL
SELECT s.*
FROM subscriptions s
WHERE s.id IN (SELECT low::uuid FROM others UNION SELECT high::uuid FROM others)
