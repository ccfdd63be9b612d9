def test_login_page_renders(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert b"Log in" in resp.data


def test_pages_of_logged_in_users_redirect_visitors_to_login(client):
    assert client.get("/account/password").headers["Location"].startswith("/login")


def test_logged_in_admin_sees_home(login_as):
    c, user = login_as("admin")
    resp = c.get("/")
    assert resp.status_code == 200
    assert user.full_name.encode() in resp.data
